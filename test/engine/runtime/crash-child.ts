/**
 * The engine process of the crash test (crash.test.ts): installs (or resumes) a deployment
 * with the `fx` plugin, which records each operation's effect in a file and guards its own
 * idempotency through a runtime property. With KILL_AT=k the process SIGKILLs itself at
 * its k-th operation call, before the effect (KILL_MODE=before), or right after the first
 * effect recorded from its k-th call on, before the task is journaled as succeeded
 * (KILL_MODE=after).
 *
 * argv: home blueprintFile effectsFile
 */
import { appendFileSync } from 'node:fs';
import { createEngineHost } from '../../../engine/host/engine-host';
import type { ExecutionSummary } from '../../../engine/host/contract';
import { definePlugin, type OperationContext } from '../../../plugins/sdk';

const [home, blueprint, effects] = process.argv.slice(2) as [string, string, string];
const killAt = Number(process.env.KILL_AT ?? 0);
const killMode = process.env.KILL_MODE ?? 'before';
let calls = 0;

async function effect(ctx: OperationContext): Promise<void> {
  calls++;
  if (killAt && calls === killAt && killMode === 'before') process.kill(process.pid, 'SIGKILL');
  const op = ctx.operation.name.split('.').pop()!;
  const key = ctx.relationship ? `${op}:${ctx.relationship.source.instance.id}->${ctx.relationship.target.instance.id}` : `${op}:${ctx.instance.id}`;
  const marker = `done_${key.replace(/[^A-Za-z0-9_]/g, '_')}`;
  if (ctx.instance.runtimeProperties[marker] === true) return; // recorded by an earlier run
  await new Promise((r) => setTimeout(r, 2));
  // The effect and its record happen in one synchronous step (update() journals at once).
  appendFileSync(effects, `${key}\n`);
  ctx.instance.runtimeProperties[marker] = true;
  ctx.instance.runtimeProperties[`${op}_count`] = 1;
  await ctx.instance.update();
  // Calls re-run after a crash return above without an effect, so "after" kills at the
  // first call from the k-th on that recorded one.
  if (killAt && calls >= killAt && killMode === 'after') process.kill(process.pid, 'SIGKILL');
}

const fx = definePlugin({
  name: 'fx',
  description: 'records effects for the crash test',
  operations: { create: effect, configure: effect, start: effect, establish: effect },
  typeLibraries: [],
});

const host = createEngineHost({ home, plugins: [fx], concurrency: 8 });
const unwrap = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
let execution: ExecutionSummary;
const existing = unwrap(await host.call('executions.list', { deploymentId: 'crash' }));
const interrupted = existing.find((e) => e.status === 'failed' || e.status === 'cancelled');
if (interrupted) execution = unwrap(await host.call('executions.resume', { executionId: interrupted.id }));
else {
  unwrap(await host.call('deployments.create', { blueprintFile: blueprint, deploymentId: 'crash' }));
  execution = unwrap(await host.call('executions.start', { deploymentId: 'crash', workflow: 'install' })) as ExecutionSummary;
}
const end = await host.waitForExecution(execution.id);
await host.close();
process.stdout.write(JSON.stringify({ status: end.status, error: end.error ?? null }));
process.exit(end.status === 'terminated' ? 0 : 1);
