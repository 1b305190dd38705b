/** `trellis policies pause|resume DEPLOYMENT`: stop or restart a deployment's metric and heal policies. */
import type { Command } from 'commander';
import { addCommonOptions, printJson, unwrap, withHost, type CommonOptions } from '../run-support';

export function register(program: Command): void {
  const policies = program.command('policies').description("pause or resume a deployment's policies");
  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    addCommonOptions(policies.command(name).description(`${name} the policies of a deployment`).argument('<deployment>', 'the deployment')).action(
      async (deploymentId: string, opts: CommonOptions) => {
        await withHost(opts, async (host) => {
          const d = unwrap(await host.call('deployments.setPoliciesPaused', { deploymentId, paused }));
          const plan = unwrap(await host.call('deployments.plan', { deploymentId }));
          if (opts.json) return printJson(d);
          const names = plan.policies.filter((p) => p.type.startsWith('trellis.policies.')).map((p) => p.name);
          console.log(`policies of ${deploymentId} ${paused ? 'paused' : 'resumed'}${names.length ? `: ${names.join(', ')}` : ' (it declares none)'}`);
        });
      },
    );
  }
}
