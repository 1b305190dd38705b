/** `trellis deployments list|show|delete`. */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { addCommonOptions, printJson, table, unwrap, withHost, type CommonOptions } from '../run-support';

const counts = (c: Record<string, number>): string =>
  Object.entries(c)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ') || 'no instances';

export function register(program: Command): void {
  const deployments = program.command('deployments').description('list, show and delete deployments');
  addCommonOptions(deployments.command('list').description('list deployments')).action(async (opts: CommonOptions) => {
    await withHost(opts, async (host) => {
      const list = unwrap(await host.call('deployments.list', {}));
      if (opts.json) return printJson(list);
      if (!list.length) return console.log('no deployments');
      console.log(table([['ID', 'STATUS', 'INSTANCES', 'ACTIVE', 'BLUEPRINT'], ...list.map((d) => [d.id, d.status, counts(d.instanceCounts), d.activeExecutionId ?? '-', d.blueprintFile])]));
    });
  });
  addCommonOptions(deployments.command('show').description('show a deployment and its instances').argument('<deployment>', 'the deployment')).action(
    async (deploymentId: string, opts: CommonOptions) => {
      await withHost(opts, async (host) => {
        const d = unwrap(await host.call('deployments.get', { deploymentId }));
        const instances = unwrap(await host.call('instances.list', { deploymentId }));
        if (opts.json) return printJson({ ...d, instances });
        process.stdout.write(stringify({ id: d.id, status: d.status, blueprint: d.blueprintFile, created: d.createdAt, inputs: d.inputs, activeExecution: d.activeExecutionId ?? null, ...(d.environment ? { environment: d.environment } : {}) }));
        console.log(`\n${table([['INSTANCE', 'NODE', 'STATE', 'ERROR'], ...instances.map((i) => [i.id, i.nodeId, i.state, i.lastError ?? ''])])}`);
      });
    },
  );
  addCommonOptions(
    deployments
      .command('delete')
      .description('delete a deployment (refused while it has live instances, unless --force)')
      .argument('<deployment>', 'the deployment')
      .option('--force', 'delete even with live instances (their resources are left behind)'),
  ).action(async (deploymentId: string, opts: CommonOptions & { force?: boolean }) => {
    await withHost(opts, async (host) => {
      const r = unwrap(await host.call('deployments.delete', { deploymentId, force: Boolean(opts.force) }));
      if (opts.json) printJson(r);
      else console.log(`deployment ${deploymentId} deleted`);
    });
  });
}
