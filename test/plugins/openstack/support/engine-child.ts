/**
 * A separate engine process for the crash test: opens the EngineHost in the given home,
 * creates the deployment, starts install, prints the execution id and keeps running until
 * the test kills it (SIGKILL).
 * Usage: node --import tsx engine-child.ts HOME BLUEPRINT DEPLOYMENT_ID INPUTS_JSON
 */
import { createEngineHost } from '../../../../engine/host/engine-host';
import type { ExecutionSummary } from '../../../../engine/host/contract';
import { builtinPlugins } from '../../../../plugins';

const [home, blueprintFile, deploymentId, inputs] = process.argv.slice(2);
if (!home || !blueprintFile || !deploymentId || !inputs) throw new Error('usage: HOME BLUEPRINT DEPLOYMENT_ID INPUTS_JSON');
const host = createEngineHost({ home, plugins: builtinPlugins });
const created = await host.call('deployments.create', { blueprintFile, deploymentId, inputs: JSON.parse(inputs) as Record<string, string | number> });
if (!created.ok) throw new Error(created.error.message);
const started = await host.call('executions.start', { deploymentId, workflow: 'install' });
if (!started.ok) throw new Error(started.error.message);
process.stdout.write(`execution ${(started.value as ExecutionSummary).id}\n`);
setInterval(() => {}, 60_000); // stay alive until killed
