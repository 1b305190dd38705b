/** `trellis outputs DEPLOYMENT`: the deployment's outputs and capabilities, evaluated now. */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { addCommonOptions, printJson, unwrap, withHost, type CommonOptions } from '../run-support';

export function register(program: Command): void {
  addCommonOptions(program.command('outputs').description("print a deployment's outputs and capabilities").argument('<deployment>', 'the deployment')).action(
    async (deploymentId: string, opts: CommonOptions) => {
      await withHost(opts, async (host) => {
        const r = unwrap(await host.call('deployments.outputs', { deploymentId }));
        if (opts.json) printJson(r);
        else process.stdout.write(stringify({ outputs: r.outputs, capabilities: r.capabilities }));
      });
    },
  );
}
