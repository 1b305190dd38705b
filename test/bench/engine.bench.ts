/**
 * `npm run bench -- engine [--quick]`: engine overhead and scheduling efficiency.
 *
 * 1. Install of 1,000 and 10,000 node instances whose operations do nothing: engine
 *    overhead per task (wall time of the execution / tasks), with persistence on (every
 *    task state change journaled in SQLite, events stored). Target < 1 ms per task.
 * 2. The same installs with operations that sleep 50 ms: wall time against the lower bound
 *    max(critical path, total operation time / concurrency). Target <= 1.05x.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngineHost } from '../../engine/host/engine-host';
import type { ExecutionSummary } from '../../engine/host/contract';
import { definePlugin } from '../../plugins/sdk';

const OPS = ['create', 'configure', 'start'] as const;

function blueprint(instances: number): string {
  return `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
plugins:
  bench: { executor: central_deployment_agent, install: false }
node_types:
  bench.Thing:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle: { ${OPS.map((o) => `${o}: bench.${o}`).join(', ')} }
node_templates:
  thing:
    type: bench.Thing
    capabilities:
      scalable:
        properties: { default_instances: ${instances}, max_instances: -1 }
`;
}

interface Result {
  instances: number;
  tasks: number;
  operations: number;
  wallMs: number;
  /** CPU time of this process during the execution (user + system). */
  cpuMs: number;
  createMs: number;
}

async function install(instances: number, sleepMs: number, concurrency: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-bench-'));
  try {
    const file = join(dir, 'bench.yaml');
    writeFileSync(file, blueprint(instances));
    const op = sleepMs > 0 ? () => new Promise<void>((r) => setTimeout(r, sleepMs)) : () => Promise.resolve();
    const plugin = definePlugin({ name: 'bench', description: 'bench', typeLibraries: [], operations: Object.fromEntries(OPS.map((o) => [o, op])) });
    const host = createEngineHost({ home: join(dir, 'home'), plugins: [plugin], concurrency });
    const t0 = performance.now();
    const created = await host.call('deployments.create', { blueprintFile: file, deploymentId: 'bench' });
    if (!created.ok) throw new Error(created.error.message);
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const started = await host.call('executions.start', { deploymentId: 'bench', workflow: 'install' });
    if (!started.ok) throw new Error(started.error.message);
    const end = await host.waitForExecution((started.value as ExecutionSummary).id);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    if (end.status !== 'terminated') throw new Error(`install ${end.status}: ${end.error}`);
    const detail = await host.call('executions.get', { executionId: end.id });
    if (!detail.ok) throw new Error(detail.error.message);
    const tasks = detail.value.tasks.length;
    const operations = detail.value.tasks.filter((t) => t.kind === 'operation' && t.status === 'succeeded').length;
    await host.close();
    return { instances, tasks, operations, wallMs: t2 - t1, cpuMs: (cpu.user + cpu.system) / 1000, createMs: t1 - t0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, d = 2): string => n.toFixed(d);

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const sizes = quick ? [1000] : [1000, 10_000];
  console.log('no-op operations (persistence on: SQLite WAL, every task change journaled, events stored)');
  for (const n of sizes) {
    const r = await install(n, 0, 16);
    console.log(
      `  ${n} instances: ${r.tasks} tasks (${r.operations} operations) in ${fmt(r.wallMs / 1000)} s -> ${fmt((r.wallMs / r.tasks) * 1000, 0)} µs/task, ${fmt((r.wallMs / r.operations) * 1000, 0)} µs/operation` +
        ` (target < 1000 µs/task)${r.wallMs / r.tasks < 1 ? '' : '  ** over target **'}; CPU ${fmt((r.cpuMs / r.tasks) * 1000, 0)} µs/task;` +
        ` deployment create (compile + store) ${fmt(r.createMs / 1000)} s`,
    );
  }
  if (args.includes('--noop-only')) return;
  console.log('operations sleeping 50 ms');
  // The default concurrency (16): the bound is then total work / 16 (critical path 150 ms).
  const sleepCases = quick ? [{ n: 1000, c: 16 }] : [{ n: 1000, c: 16 }, { n: 10_000, c: 16 }];
  for (const { n, c } of sleepCases) {
    const r = await install(n, 50, c);
    const critical = OPS.length * 50;
    const bound = Math.max(critical, (r.operations * 50) / c);
    const ratio = r.wallMs / bound;
    console.log(
      `  ${n} instances, concurrency ${c}: ${fmt(r.wallMs / 1000)} s vs lower bound ${fmt(bound / 1000)} s (max(critical path ${critical} ms, ${r.operations} ops x 50 ms / ${c})) -> ${fmt(ratio, 3)}x (target <= 1.05x)${ratio <= 1.05 ? '' : '  ** over target **'}; engine CPU ${fmt((r.cpuMs / r.operations) * 1000, 0)} µs/operation`,
    );
  }
}
