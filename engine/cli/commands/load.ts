/**
 * `trellis load DEPLOYMENT --rps N --seconds S`: sends bounded GET traffic to the
 * deployment's `url` output (on 127.0.0.1 only) and waits until it is done, e.g. to watch
 * the offline example's scale policy react in the app or `trellis serve`.
 */
import type { Command } from 'commander';
import { addCommonOptions, CliFailure, ExitCode, printJson, unwrap, withHost, type CommonOptions } from '../run-support';

interface LoadOptions extends CommonOptions {
  rps: string;
  seconds: string;
  path?: string;
}

const positive = (name: string, text: string, max: number): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new CliFailure(`--${name} must be a number from 0 to ${max}`, ExitCode.badInput);
  return n;
};

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('load')
      .description("send HTTP load to a deployment's url output (127.0.0.1 only)")
      .argument('<deployment>', 'the deployment')
      .option('--rps <n>', 'requests per second (at most 500)', '20')
      .option('--seconds <n>', 'how long (at most 600)', '30')
      .option('--path <path>', 'path to request', '/'),
  ).action(async (deploymentId: string, opts: LoadOptions) => {
    await withHost(opts, async (host) => {
      const rps = positive('rps', opts.rps, 500);
      const seconds = positive('seconds', opts.seconds, 600);
      if (!opts.json) console.log(`sending ${rps} requests/s for ${seconds}s to ${deploymentId}...`);
      const r = unwrap(await host.call('load.generate', { deploymentId, rps, seconds, path: opts.path ?? '/', wait: true }));
      if (opts.json) return printJson(r);
      console.log(`${r.url}: ${r.sent ?? 0} sent, ${r.ok ?? 0} ok, ${r.failed ?? 0} failed`);
      return (r.failed ?? 0) > 0 && (r.ok ?? 0) === 0 ? ExitCode.failed : ExitCode.ok;
    });
  });
}
