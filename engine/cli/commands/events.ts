/** `trellis events DEPLOYMENT [--follow]`: the deployment's events (and new ones as they come). */
import type { Command } from 'commander';
import type { EventLevel, HostEvent } from '../../host/contract';
import { addCommonOptions, CliFailure, ExitCode, unwrap, withHost, type CommonOptions } from '../run-support';

interface EventsOptions extends CommonOptions {
  follow?: boolean;
  execution?: string;
  level?: string;
  limit: string;
}

const LEVELS: EventLevel[] = ['debug', 'info', 'warn', 'error'];

function line(e: HostEvent, json: boolean): string {
  if (json) return JSON.stringify(e);
  const where = e.instanceId ? ` [${e.instanceId}]` : '';
  return `${e.time} ${e.level.toUpperCase().padEnd(5)} ${e.type.padEnd(9)}${where} ${e.message}`;
}

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('events')
      .description("print a deployment's events; --follow keeps printing new ones (JSON lines with --json)")
      .argument('<deployment>', 'the deployment')
      .option('-f, --follow', 'keep printing new events until Ctrl-C')
      .option('-e, --execution <id>', 'only events of this execution')
      .option('-l, --level <level>', 'minimum level: debug, info, warn, error', 'info')
      .option('-n, --limit <n>', 'at most this many stored events', '1000'),
  ).action(async (deploymentId: string, opts: EventsOptions) => {
    await withHost(opts, async (host) => {
      const min = LEVELS.indexOf((opts.level ?? 'info') as EventLevel);
      if (min < 0) throw new CliFailure(`--level must be one of ${LEVELS.join(', ')}`, ExitCode.badInput);
      unwrap(await host.call('deployments.get', { deploymentId }));
      const filter = { deploymentId, levels: LEVELS.slice(min), ...(opts.execution ? { executionId: opts.execution } : {}) };
      const stored = unwrap(await host.call('events.query', { ...filter, limit: Number(opts.limit) || 1000 }));
      for (const e of stored) console.log(line(e, Boolean(opts.json)));
      if (!opts.follow) return;
      const last = stored.length ? stored[stored.length - 1]!.seq : host.store.lastEventSeq();
      await new Promise<void>((resolve) => {
        const unsubscribe = host.subscribe({ ...filter, afterSeq: last }, (batch) => {
          for (const e of batch) console.log(line(e, Boolean(opts.json)));
        });
        // Keeps the process alive while following (the bus's own timers do not).
        const keepAlive = setInterval(() => undefined, 60_000);
        process.once('SIGINT', () => {
          clearInterval(keepAlive);
          unsubscribe();
          resolve();
        });
      });
    });
  });
}
