/** `trellis heal DEPLOYMENT INSTANCE`: heals an instance (and what its host contains). */
import type { Command } from 'commander';
import { addCommonOptions, runWorkflow, withHost, type CommonOptions } from '../run-support';

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('heal')
      .description('heal a node instance: check it, run heal operations or reinstall its subtree')
      .argument('<deployment>', 'the deployment')
      .argument('<instance>', 'the node instance id')
      .option('--dry-run', 'print the task graph without running anything'),
  ).action(async (deploymentId: string, instanceId: string, opts: CommonOptions & { dryRun?: boolean }) => {
    await withHost(opts, (host) => runWorkflow(host, { deploymentId, workflow: 'heal', parameters: { node_instance_id: instanceId } }, opts));
  });
}
