/**
 * `trellis execute DEPLOYMENT OPERATION [--node …] [--instance …] [--inputs yaml]`: runs
 * one operation on the selected instances (execute_operation).
 */
import type { Command } from 'commander';
import { addCommonOptions, readYamlArg, runWorkflow, withHost, type CommonOptions } from '../run-support';

interface ExecuteOptions extends CommonOptions {
  node: string[];
  instance: string[];
  inputs?: string;
  dependencyOrder?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('execute')
      .description('run an operation (e.g. cloudify.interfaces.lifecycle.start) on instances')
      .argument('<deployment>', 'the deployment')
      .argument('<operation>', 'full operation name')
      .option('--node <ids...>', 'only instances of these nodes', [] as string[])
      .option('--instance <ids...>', 'only these instances', [] as string[])
      .option('--inputs <yaml>', 'operation inputs: a YAML file or inline YAML')
      .option('--dependency-order', 'run in relationship order (targets first)')
      .option('--dry-run', 'print the task graph without running anything'),
  ).action(async (deploymentId: string, operation: string, opts: ExecuteOptions) => {
    await withHost(opts, async (host) => {
      const parameters = {
        operation,
        operation_kwargs: readYamlArg(opts.inputs),
        ...(opts.node.length ? { node_ids: opts.node } : {}),
        ...(opts.instance.length ? { node_instance_ids: opts.instance } : {}),
        ...(opts.dependencyOrder ? { run_by_dependency_order: true } : {}),
      };
      return runWorkflow(host, { deploymentId, workflow: 'execute_operation', parameters }, opts);
    });
  });
}
