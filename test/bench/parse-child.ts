/**
 * One size of the parse benchmark, in its own process so its peak memory is its own:
 * `node --import tsx test/bench/parse-child.ts SIZE RUNS` prints one JSON line.
 */
import { compile } from '../../engine/dsl/index';
import { coreTypesFile } from '../../engine/dsl/core/index';
import { createImportResolver } from '../../engine/dsl/resolver';
import { hasErrors } from '../../engine/dsl/problem';
import { generateBlueprint } from './parse-blueprint';

const size = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const text = generateBlueprint(size);
const resolver = createImportResolver({ coreTypesFile, libraries: [] });
const file = `/bench/generated-${size}/blueprint.yaml`;

const baseline = process.memoryUsage();
const times: number[] = [];
// CPU time too: on a loaded machine wall time mostly measures the other processes.
const cpuTimes: number[] = [];
let heapPeak = baseline.heapUsed;
let instances = 0;
// One warm-up run (JIT, core types read) that is not timed.
for (let i = 0; i <= runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = compile({ file, text, resolver });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  if (hasErrors(result.problems) || !result.plan) {
    const first = result.problems.find((p) => p.severity === 'error');
    console.log(JSON.stringify({ size, error: first ? `${first.code}: ${first.message}` : 'no plan' }));
    process.exit(1);
  }
  instances = result.plan.instances.length;
  if (i > 0) {
    times.push(ms);
    cpuTimes.push(cpuMs);
  }
}
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    size,
    textBytes: text.length,
    instances,
    runs: times.length,
    medianMs: times[Math.floor(times.length / 2)],
    minMs: times[0],
    maxMs: times[times.length - 1],
    medianCpuMs: cpuTimes[Math.floor(cpuTimes.length / 2)],
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapMb: heapPeak / 1024 / 1024,
  }),
);
