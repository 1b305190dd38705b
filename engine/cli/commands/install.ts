/**
 * `trellis install BLUEPRINT [-d NAME] [-i inputs.yaml]`: creates the deployment (unless it
 * exists and is not installed) and runs its install workflow with live progress.
 */
import type { Command } from 'commander';
import { basename, dirname, resolve } from 'node:path';
import { readInputs } from '../compile-support';
import { addCommonOptions, CliFailure, ExitCode, runWorkflow, unwrap, withHost, type CommonOptions } from '../run-support';

interface InstallOptions extends CommonOptions {
  deploymentId?: string;
  inputs: string[];
  dryRun?: boolean;
  refuseIfBusy?: boolean;
}

/** `blueprints/shop/blueprint.yaml` -> `shop`; `web.yaml` -> `web`. */
export function defaultDeploymentId(file: string): string {
  const name = basename(file).replace(/\.ya?ml$/i, '');
  const base = /^(blueprint|main)$/i.test(name) ? basename(dirname(resolve(file))) : name;
  return base.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'deployment';
}

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('install')
      .description('create a deployment from a blueprint and install it')
      .argument('<blueprint>', 'the blueprint file')
      .option('-d, --deployment-id <name>', 'deployment name (default: from the blueprint file or folder)')
      .option('-i, --inputs <file|k=v>', 'inputs: a YAML/JSON file or key=value;... (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
      .option('--dry-run', 'print the task graph without running anything')
      .option('--refuse-if-busy', 'fail instead of queueing when the deployment runs another workflow'),
  ).action(async (file: string, opts: InstallOptions) => {
    await withHost(opts, async (host) => {
      const deploymentId = opts.deploymentId ?? defaultDeploymentId(file);
      const existing = await host.call('deployments.get', { deploymentId });
      if (existing.ok) {
        if (existing.value.status === 'installed' || existing.value.status === 'installing')
          throw new CliFailure(`deployment "${deploymentId}" is already ${existing.value.status}; pick another name with -d`, ExitCode.conflict);
        if (existing.value.blueprintFile !== resolve(file))
          throw new CliFailure(`deployment "${deploymentId}" exists from another blueprint (${existing.value.blueprintFile}); pick another name with -d`, ExitCode.conflict);
      } else {
        let inputs;
        try {
          inputs = readInputs(opts.inputs);
        } catch (error) {
          throw new CliFailure(error instanceof Error ? error.message : String(error), ExitCode.badInput);
        }
        unwrap(await host.call('deployments.create', { blueprintFile: resolve(file), deploymentId, inputs }));
        if (!opts.json) console.error(`deployment ${deploymentId} created`);
      }
      return runWorkflow(host, { deploymentId, workflow: 'install', ...(opts.refuseIfBusy ? { whenBusy: 'refuse' } : {}) }, opts);
    });
  });
}
