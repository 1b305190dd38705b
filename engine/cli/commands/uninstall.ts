/**
 * `trellis uninstall DEPLOYMENT`: runs the uninstall workflow, then deletes the deployment
 * (as Cloudify's `cfy uninstall` does) unless `--keep-deployment`.
 */
import type { Command } from 'commander';
import { addCommonOptions, ExitCode, runWorkflow, unwrap, withHost, type CommonOptions } from '../run-support';

interface UninstallOptions extends CommonOptions {
  dryRun?: boolean;
  keepDeployment?: boolean;
  ignoreFailure?: boolean;
}

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('uninstall')
      .description('uninstall a deployment (and delete it)')
      .argument('<deployment>', 'the deployment')
      .option('--dry-run', 'print the task graph without running anything')
      .option('--ignore-failure', 'keep going when operations fail')
      .option('--keep-deployment', 'keep the (uninstalled) deployment record'),
  ).action(async (deploymentId: string, opts: UninstallOptions) => {
    await withHost(opts, async (host) => {
      const code = await runWorkflow(host, { deploymentId, workflow: 'uninstall', ...(opts.ignoreFailure ? { parameters: { ignore_failure: true } } : {}) }, opts);
      if (code !== ExitCode.ok || opts.dryRun || opts.keepDeployment) return code;
      unwrap(await host.call('deployments.delete', { deploymentId }));
      if (!opts.json) console.error(`deployment ${deploymentId} deleted`);
      return code;
    });
  });
}
