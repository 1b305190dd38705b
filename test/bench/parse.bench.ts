/**
 * `npm run bench -- parse [--sizes=100,1000,10000] [--runs=N]`: parse + validate + plan of
 * generated blueprints (half hosts; half apps contained in them and connected_to one shared
 * database). Each size runs in a child process (median of several runs, after a warm-up;
 * peak RSS is the child's). Targets: 1,000 nodes < 100 ms, 10,000 < 1 s.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface SizeResult {
  size: number;
  textBytes: number;
  instances: number;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median CPU time (user + system) of one compile; steadier than wall time under load. */
  medianCpuMs: number;
  peakRssMb: number;
  peakHeapMb: number;
  error?: string;
}

const targetsMs: Record<number, number> = { 1000: 100, 10000: 1000 };
const here = dirname(fileURLToPath(import.meta.url));

function option(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** Runs one size in a fresh Node process and returns its measurements. */
function measure(size: number, runs: number): SizeResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'parse-child.ts'), String(size), String(runs)], {
    cwd: join(here, '..', '..'),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as SizeResult;
  } catch {
    throw new Error(`bench child for ${size} failed (exit ${child.status}): ${child.stderr || child.stdout}`);
  }
}

export function run(args: string[]): void {
  const sizes = (option(args, 'sizes') ?? '100,1000,10000').split(',').map(Number);
  const runsArg = option(args, 'runs');
  const rows: string[][] = [];
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const runs = runsArg ? Number(runsArg) : size >= 10000 ? 5 : 9;
    const r = measure(size, runs);
    results.push(r);
    if (r.error) {
      rows.push([String(size), 'ERROR', r.error]);
      continue;
    }
    const target = targetsMs[size];
    rows.push([
      size.toLocaleString('en'),
      r.instances.toLocaleString('en'),
      r.medianMs.toFixed(1),
      `${r.minMs.toFixed(1)}–${r.maxMs.toFixed(1)}`,
      r.medianCpuMs.toFixed(1),
      ((r.medianMs * 1000) / size).toFixed(1),
      r.peakRssMb.toFixed(0),
      r.peakHeapMb.toFixed(0),
      target === undefined ? '-' : `< ${target} ms ${r.medianMs < target ? 'PASS' : 'FAIL'}`,
    ]);
  }
  const header = ['nodes', 'instances', 'median ms', 'range ms', 'cpu ms', 'µs/node', 'peak RSS MB', 'peak heap MB', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log(fmt(header));
  for (const r of rows) console.log(fmt(r));
  const ok = results.filter((r) => !r.error);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (wall times stretch under load)`);
  if (ok.length >= 2) {
    const first = ok[0]!;
    const last = ok[ok.length - 1]!;
    const growth = last.medianMs / first.medianMs / (last.size / first.size);
    console.log(`growth ${first.size}→${last.size}: ${growth.toFixed(2)}× linear (1.00 = exactly linear)`);
  }
  if (results.some((r) => r.error || (targetsMs[r.size] !== undefined && r.medianMs >= targetsMs[r.size]!)))
    process.exitCode = 1;
}
