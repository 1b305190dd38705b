/**
 * `trellis scale DEPLOYMENT TARGET --delta N [--scale-compute] [--remove ID...]`: scales a
 * node or scaling group (bounds are checked before anything runs).
 */
import type { Command } from 'commander';
import { addCommonOptions, CliFailure, ExitCode, runWorkflow, withHost, type CommonOptions } from '../run-support';

interface ScaleOptions extends CommonOptions {
  delta: string;
  scaleCompute?: boolean;
  remove: string[];
  dryRun?: boolean;
  rollback: boolean;
}

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('scale')
      .description('add or remove instances of a node or scaling group')
      .argument('<deployment>', 'the deployment')
      .argument('<target>', 'node or scaling group name')
      .requiredOption('--delta <n>', 'instances to add (negative: remove)')
      .option('--scale-compute', 'scale the Compute host of a contained node')
      .option('--remove <ids...>', 'instances to remove on scale-in', [] as string[])
      .option('--no-rollback', 'keep the added instances when a scale-out fails')
      .option('--dry-run', 'print the task graph without running anything'),
  ).action(async (deploymentId: string, target: string, opts: ScaleOptions) => {
    await withHost(opts, async (host) => {
      if (!/^[+-]?\d+$/.test(opts.delta.trim())) throw new CliFailure(`--delta must be an integer (got "${opts.delta}")`, ExitCode.badInput);
      const parameters = {
        scalable_entity_name: target,
        delta: Number(opts.delta),
        scale_compute: Boolean(opts.scaleCompute),
        rollback_if_failed: opts.rollback,
        ...(opts.remove.length ? { include_instances: opts.remove } : {}),
      };
      return runWorkflow(host, { deploymentId, workflow: 'scale', parameters }, opts);
    });
  });
}
