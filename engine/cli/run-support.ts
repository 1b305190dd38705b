/**
 * What the deployment and execution commands share: opening the host, turning host errors
 * into messages and exit codes, following an execution with live progress, and Ctrl-C.
 *
 * Exit codes: 0 success; 1 the execution failed; 2 bad input (invalid parameters or an
 * invalid blueprint); 3 not found; 4 busy or conflicting state; 70 internal error;
 * 130 cancelled (Ctrl-C or `executions cancel`).
 */
import cliProgress from 'cli-progress';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { EngineHost } from '../host/engine-host';
import { openHost } from '../host/open-host';
import type { DryRunTask, ExecutionSummary, HostError, HostEvent, HostResult, StartExecutionParams, Value } from '../host/contract';

export const ExitCode = {
  ok: 0,
  failed: 1,
  badInput: 2,
  notFound: 3,
  conflict: 4,
  internal: 70,
  cancelled: 130,
} as const;

/** A failure that ends the command with a message and an exit code. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function exitCodeOf(error: HostError): number {
  switch (error.code) {
    case 'invalid-params':
    case 'invalid-blueprint':
      return ExitCode.badInput;
    case 'not-found':
      return ExitCode.notFound;
    case 'busy':
    case 'conflict':
      return ExitCode.conflict;
    default:
      return ExitCode.internal;
  }
}

/** The value of a host result, or a CliFailure with its message (and located problems). */
export function unwrap<T>(r: HostResult<T>): T {
  if (r.ok) return r.value;
  const problems = (r.error.problems ?? [])
    .filter((p) => p.severity === 'error')
    .slice(0, 20)
    .map((p) => `\n  ${p.file}:${p.range.line}:${p.range.column}: ${p.code}: ${p.message}`)
    .join('');
  throw new CliFailure(`${r.error.message}${problems}`, exitCodeOf(r.error));
}

/** Options every engine command takes. */
export interface CommonOptions {
  json?: boolean;
  home?: string;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd.option('--json', 'print machine-readable JSON').option('--home <dir>', 'Trellis home (default $TRELLIS_HOME or the per-user app-data folder)');
}

/**
 * Runs a command body against a fresh host and closes it; CliFailure and other errors
 * become a message on stderr and the exit code.
 */
export async function withHost(opts: CommonOptions, body: (host: EngineHost) => Promise<number | void>): Promise<void> {
  let host: EngineHost | undefined;
  try {
    host = openHost({ triggeredBy: 'cli', ...(opts.home ? { home: opts.home } : {}) });
    const code = await body(host);
    process.exitCode = code ?? ExitCode.ok;
  } catch (error) {
    const code = error instanceof CliFailure ? error.exitCode : ExitCode.internal;
    const message = error instanceof Error ? error.message : String(error);
    if (opts.json) console.log(JSON.stringify({ error: { message, exitCode: code } }));
    else console.error(`trellis: ${message}`);
    process.exitCode = code;
  } finally {
    await host?.close();
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Reads `--inputs` / `-i` style YAML: a file path, or inline YAML/JSON text. */
export function readYamlArg(arg: string | undefined): Record<string, Value> {
  if (arg === undefined) return {};
  let text = arg;
  try {
    text = readFileSync(arg, 'utf8');
  } catch {
    // not a file: inline YAML
  }
  const v = parse(text) as unknown;
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new CliFailure(`inputs must be a mapping (got ${JSON.stringify(v)})`, ExitCode.badInput);
  return v as Record<string, Value>;
}

export function formatDryRun(tasks: DryRunTask[]): string {
  const index = new Map(tasks.map((t, i) => [t.id, i + 1]));
  return tasks
    .map((t, i) => {
      const deps = t.dependsOn.map((d) => `#${index.get(d) ?? d}`).join(', ');
      return `#${i + 1} ${t.name}${deps ? `  (after ${deps})` : ''}`;
    })
    .join('\n');
}

function eventLine(e: HostEvent): string {
  const time = e.time.slice(11, 19);
  const level = e.level === 'info' ? '' : ` ${e.level.toUpperCase()}`;
  return `${time}${level} ${e.message}`;
}

/**
 * Starts a workflow and follows it to its end with live progress (a progress bar on a TTY,
 * plain event lines otherwise). The first Ctrl-C cancels the execution, the second
 * force-cancels it. Returns the exit code.
 */
export async function runWorkflow(host: EngineHost, params: StartExecutionParams, opts: CommonOptions & { dryRun?: boolean }): Promise<number> {
  const started = unwrap(await host.call('executions.start', { ...params, ...(opts.dryRun ? { dryRun: true } : {}) }));
  if ('tasks' in started) {
    if (opts.json) printJson(started);
    else console.log(`${params.workflow} on ${params.deploymentId}: ${started.tasks.length} tasks (dry run, nothing ran)\n${formatDryRun(started.tasks)}`);
    return ExitCode.ok;
  }
  return followExecution(host, started, opts);
}

/** Follows a started (or resumed) execution; see runWorkflow. */
export async function followExecution(host: EngineHost, execution: ExecutionSummary, opts: CommonOptions): Promise<number> {
  const id = execution.id;
  // Installed first: from here on Ctrl-C cancels the execution instead of killing the engine.
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    const force = interrupts > 1;
    print(force ? 'force-cancelling…' : 'cancelling… (Ctrl-C again to force-cancel)');
    void host.call('executions.cancel', { executionId: id, force });
  };
  process.on('SIGINT', onSigint);
  const tty = Boolean(process.stderr.isTTY) && !opts.json;
  const total = Object.values(execution.taskCounts).reduce((a, b) => a + b, 0);
  let done = 0;
  let bar: cliProgress.SingleBar | undefined;
  let multi: cliProgress.MultiBar | undefined;
  if (tty) {
    multi = new cliProgress.MultiBar(
      { format: `${execution.workflow} {deployment} |{bar}| {value}/{total} tasks | {status}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar = multi.create(Math.max(total, 1), 0, { deployment: execution.deploymentId, status: execution.status });
  } else if (!opts.json) console.error(`${execution.workflow} ${id} on ${execution.deploymentId}: ${execution.status}`);
  function print(line: string): void {
    if (multi) multi.log(`${line}\n`);
    else if (!opts.json) console.error(line);
  }
  const unsubscribe = host.subscribe({ executionId: id, afterSeq: 0 }, (batch) => {
    for (const e of batch) {
      if (e.type === 'task' && (e.status === 'succeeded' || e.status === 'skipped')) done++;
      const interesting = e.level !== 'debug' && !(e.type === 'task' && e.status === 'running');
      if (interesting) print(eventLine(e));
      if (e.type === 'execution') bar?.update({ status: e.status });
    }
    bar?.update(Math.min(done, Math.max(total, 1)));
  });
  try {
    const end = await host.waitForExecution(id);
    host.bus.flush();
    await new Promise((r) => setTimeout(r, 20));
    host.bus.flush();
    bar?.update(end.taskCounts.succeeded + end.taskCounts.skipped, { status: end.status });
    multi?.stop();
    if (opts.json) printJson(end);
    else {
      const counts = Object.entries(end.taskCounts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ');
      console.error(`${end.workflow} ${end.id}: ${end.status}${end.error ? `: ${end.error}` : ''} (${counts || 'no tasks'})`);
    }
    return end.status === 'terminated' ? ExitCode.ok : end.status === 'cancelled' ? ExitCode.cancelled : ExitCode.failed;
  } finally {
    process.off('SIGINT', onSigint);
    unsubscribe();
    multi?.stop();
  }
}

/** Prints rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
