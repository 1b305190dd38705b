/**
 * Lifecycle operations of `trellis.nodes.local.Process`: a long-running process on this
 * machine with an allocated port, a readiness check, graceful stop and restart. Everything
 * needed to find the process again (pid, start time, port, log file) is kept in runtime
 * properties and persisted as soon as it is known, so a later CLI run can stop or heal it.
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import type { OperationContext, Value } from '../sdk';
import { NonRecoverableError, RecoverableError, CancelledFailure } from '../sdk';
import {
  findExecutable,
  freePort,
  httpReady,
  isRunning,
  logTail,
  portFree,
  spawnDetached,
  stopProcess,
  tcpOpen,
  type ProcessRecord,
} from './process-manager';

/** Readiness check settings (`trellis.datatypes.local.Readiness`). */
export interface Readiness {
  /** `http` (GET path answers < 400), `tcp` (port accepts), `none`. Default: tcp with a port, else none. */
  type: 'http' | 'tcp' | 'none';
  path: string;
  /** Seconds to wait for readiness. @default 30 */
  timeout: number;
  /** Seconds between probes. @default 0.2 */
  interval: number;
}

/** A Process node's settings: node properties, with operation inputs overriding them. */
export interface ProcessConfig {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** undefined: no port; 0: pick a free one; otherwise this port. */
  port: number | undefined;
  portEnv: string;
  readiness: Readiness;
  /** Seconds between SIGTERM and SIGKILL. @default 10 */
  stopTimeout: number;
  installHint: string;
  /** Path of its Prometheus endpoint ('' when it has none). */
  metricsPath: string;
}

/** Where Trellis keeps state: TRELLIS_HOME, else the same per-user default the engine uses. */
export function trellisHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRELLIS_HOME) return env.TRELLIS_HOME;
  // Mirrors engine/store/home.ts (plugins may not import the engine).
  if (process.platform === 'darwin')
    return path.join(homedir(), 'Library', 'Application Support', 'Trellis');
  if (process.platform === 'win32')
    return path.join(env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'Trellis');
  return path.join(env.XDG_DATA_HOME ?? path.join(homedir(), '.local', 'share'), 'trellis');
}

/** The per-instance folder for logs and data: `<home>/deployments/<id>/processes/<instance>`. */
export function instanceStateDir(ctx: OperationContext): string {
  const deploymentDir =
    ctx.deploymentDataDir ?? path.join(trellisHome(), 'deployments', ctx.deploymentId);
  return path.join(deploymentDir, 'processes', ctx.instance.id);
}

const str = (value: Value | undefined): string =>
  value === undefined || value === null
    ? ''
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);

function record(value: Value | undefined): Record<string, Value> {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function numberOr(value: Value | undefined, fallback: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

/** Reads the node's settings, letting operation inputs override (env maps are merged). */
export function readProcessConfig(ctx: OperationContext): ProcessConfig {
  const props = ctx.node.properties;
  const inputs = ctx.inputs;
  const pick = (key: string): Value | undefined =>
    inputs[key] !== undefined ? inputs[key] : props[key];
  const command = str(pick('command'));
  if (!command) throw new NonRecoverableError(`node ${ctx.node.name}: property 'command' is empty`);
  const rawArgs = pick('args');
  const args = Array.isArray(rawArgs) ? rawArgs.map(str) : rawArgs ? [str(rawArgs)] : [];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...record(props.env), ...record(inputs.env) }))
    env[k] = str(v);
  const rawPort = pick('port');
  const port =
    rawPort === undefined || rawPort === null || rawPort === '' || numberOr(rawPort, -1) < 0
      ? undefined
      : numberOr(rawPort, 0);
  const r = record(pick('readiness'));
  const readinessType = str(r.type) || (port !== undefined ? 'tcp' : 'none');
  if (readinessType !== 'http' && readinessType !== 'tcp' && readinessType !== 'none') {
    throw new NonRecoverableError(
      `node ${ctx.node.name}: readiness.type must be http, tcp or none`,
    );
  }
  if (readinessType !== 'none' && port === undefined) {
    throw new NonRecoverableError(
      `node ${ctx.node.name}: a ${readinessType} readiness check needs a port`,
    );
  }
  return {
    command,
    args,
    cwd: str(pick('cwd')),
    env,
    port,
    portEnv: str(pick('port_env')) || 'PORT',
    readiness: {
      type: readinessType,
      path: str(r.path) || '/',
      timeout: numberOr(r.timeout, 30),
      interval: numberOr(r.interval, 0.2),
    },
    stopTimeout: numberOr(pick('stop_timeout'), 10),
    installHint: str(pick('install_hint')),
    metricsPath: str(pick('metrics_path')),
  };
}

/** The process record kept in runtime properties, if any. */
export function processRecordOf(ctx: OperationContext): ProcessRecord | undefined {
  const rp = ctx.instance.runtimeProperties;
  return typeof rp.pid === 'number'
    ? { pid: rp.pid, startTime: str(rp.pid_start_time) }
    : undefined;
}

/** Replaces `{{port}}`, `{{instance_id}}`, `{{node_name}}`, `{{work_dir}}`, `{{blueprint_dir}}`. */
function render(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** Decides the port: the recorded one if still free, the fixed one, or a fresh free one. */
async function allocatePort(
  ctx: OperationContext,
  config: ProcessConfig,
): Promise<number | undefined> {
  if (config.port === undefined) return undefined;
  const recorded = ctx.instance.runtimeProperties.port;
  if (config.port > 0) {
    if (!(await portFree(config.port)) && recorded !== config.port) {
      throw new RecoverableError(`port ${config.port} is in use by another program`);
    }
    return config.port;
  }
  // Keep the recorded port across stop/start and heal, so whoever points at it stays right.
  if (typeof recorded === 'number' && recorded > 0 && (await portFree(recorded))) return recorded;
  return freePort();
}

/**
 * The node_modules folder Trellis loads its own packages from: given to `node` processes as
 * NODE_PATH, so a blueprint's scripts can `require` what Trellis ships (prom-client) even
 * when the engine runs them from a copy of the blueprint folder.
 */
const trellisNodeModules: string | undefined = (() => {
  try {
    const manifest = createRequire(import.meta.url).resolve('prom-client/package.json');
    return path.dirname(path.dirname(manifest));
  } catch {
    return undefined;
  }
})();

function resolveCommand(
  ctx: OperationContext,
  config: ProcessConfig,
): { file: string; env: Record<string, string> } {
  // `node` means the Node that runs Trellis (under Electron its binary acts as Node with
  // ELECTRON_RUN_AS_NODE), so the example needs nothing else installed.
  if (config.command === 'node') {
    const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
    if (trellisNodeModules) {
      env.NODE_PATH = [process.env.NODE_PATH, trellisNodeModules]
        .filter(Boolean)
        .join(path.delimiter);
    }
    return { file: process.execPath, env };
  }
  const file = config.command.includes('/')
    ? findExecutable(
        path.isAbsolute(config.command) ? config.command : ctx.resolveResource(config.command),
      )
    : findExecutable(config.command);
  if (!file) {
    const hint = config.installHint ? ` ${config.installHint}` : '';
    throw new NonRecoverableError(
      `node ${ctx.node.name}: '${config.command}' is not installed (not found on PATH).${hint}`,
    );
  }
  return { file, env: {} };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

async function probe(
  config: ProcessConfig,
  port: number | undefined,
  signal: AbortSignal,
): Promise<boolean> {
  if (config.readiness.type === 'none' || port === undefined) return true;
  if (config.readiness.type === 'tcp') return tcpOpen(port, signal);
  return httpReady(port, config.readiness.path, signal);
}

/** Waits until the process answers its readiness check; fails if it dies or times out. */
async function waitReady(
  ctx: OperationContext,
  config: ProcessConfig,
  proc: ProcessRecord,
  port: number | undefined,
  logFile: string,
) {
  const deadline = Date.now() + config.readiness.timeout * 1000;
  for (;;) {
    if (ctx.signal.aborted)
      throw new CancelledFailure('cancelled while waiting for the process to become ready');
    if (!isRunning(proc)) {
      const tail = logTail(logFile, 8);
      throw new RecoverableError(
        `${config.command} exited right after starting${tail ? `; its log ends with:\n${tail}` : ''}`,
      );
    }
    if (await probe(config, port, ctx.signal)) return;
    if (Date.now() > deadline) {
      await stopProcess(proc, 2000);
      throw new RecoverableError(
        `${config.command} did not become ready (${config.readiness.type} ${config.readiness.type === 'http' ? config.readiness.path : ''} on port ${port ?? '-'}) within ${config.readiness.timeout}s`,
      );
    }
    await sleep(config.readiness.interval * 1000, ctx.signal);
  }
}

/** Records where the process answers: ip, port, url and, with metrics_path, metrics_url. */
function recordAddress(rp: Record<string, Value>, port: number, config: ProcessConfig): void {
  rp.ip = '127.0.0.1';
  rp.port = port;
  rp.url = `http://127.0.0.1:${port}`;
  // Metric collectors scrape this (Prometheus text format).
  if (config.metricsPath) rp.metrics_url = `${rp.url}${config.metricsPath}`;
}

/** create: checks the command exists and allocates the port (recorded in runtime properties). */
export async function createProcess(ctx: OperationContext): Promise<void> {
  const config = readProcessConfig(ctx);
  resolveCommand(ctx, config);
  const port = await allocatePort(ctx, config);
  const rp = ctx.instance.runtimeProperties;
  rp.ip = '127.0.0.1';
  if (port !== undefined) {
    recordAddress(rp, port, config);
  }
  await ctx.instance.update();
}

/** start: starts the process detached (unless ours is already running) and waits until ready. */
export async function startProcess(ctx: OperationContext): Promise<void> {
  const config = readProcessConfig(ctx);
  const rp = ctx.instance.runtimeProperties;
  const stateDir = instanceStateDir(ctx);
  const logFile = path.join(stateDir, 'process.log');
  const existing = processRecordOf(ctx);
  if (existing && isRunning(existing)) {
    ctx.logger.info(`${config.command} already running (pid ${existing.pid})`);
    const port = typeof rp.port === 'number' ? rp.port : undefined;
    await waitReady(ctx, config, existing, port, str(rp.log_file) || logFile);
    return;
  }
  const port = await allocatePort(ctx, config);
  const { file, env: extraEnv } = resolveCommand(ctx, config);
  const vars: Record<string, string> = {
    port: port === undefined ? '' : String(port),
    instance_id: ctx.instance.id,
    node_name: ctx.node.name,
    work_dir: stateDir,
    blueprint_dir: ctx.blueprintDir,
  };
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...extraEnv };
  for (const [k, v] of Object.entries(config.env)) env[k] = render(v, vars);
  if (port !== undefined) env[config.portEnv] = String(port);
  env.TRELLIS_INSTANCE_ID = ctx.instance.id;
  env.TRELLIS_DEPLOYMENT_ID = ctx.deploymentId;
  const cwd = config.cwd ? ctx.resolveResource(render(config.cwd, vars)) : ctx.blueprintDir;
  const args = config.args.map((a) => render(a, vars));

  let proc: ProcessRecord;
  try {
    proc = await spawnDetached({ command: file, args, cwd, env, logFile });
  } catch (error) {
    throw new RecoverableError(`could not start ${config.command}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // Record the pid before anything else can fail, so stop/heal can always find the process.
  rp.pid = proc.pid;
  rp.pid_start_time = proc.startTime;
  rp.log_file = logFile;
  rp.work_dir = stateDir;
  rp.ip = '127.0.0.1';
  if (port !== undefined) {
    recordAddress(rp, port, config);
  }
  await ctx.instance.update();
  // Also on disk beside the log, so an operator (or a test) can find the process without Trellis.
  await writeFile(
    path.join(stateDir, 'process.json'),
    JSON.stringify(
      { pid: proc.pid, startTime: proc.startTime, port: port ?? null, command: file, args },
      null,
      2,
    ),
  );
  ctx.logger.info(
    `started ${[config.command, ...args].join(' ')} (pid ${proc.pid}${port !== undefined ? `, port ${port}` : ''}); log: ${logFile}`,
  );
  await waitReady(ctx, config, proc, port, logFile);
  ctx.logger.info(
    `${ctx.node.name} is ready${port !== undefined ? ` at http://127.0.0.1:${port}` : ''}`,
  );
}

/** stop: SIGTERM to the process group, SIGKILL after stop_timeout. */
export async function stopProcessOperation(ctx: OperationContext): Promise<void> {
  const config = readProcessConfig(ctx);
  const proc = processRecordOf(ctx);
  if (proc) {
    const how = await stopProcess(proc, config.stopTimeout * 1000);
    if (how === 'killed')
      ctx.logger.warn(
        `${config.command} (pid ${proc.pid}) ignored SIGTERM for ${config.stopTimeout}s: killed`,
      );
    else if (how === 'stopped') ctx.logger.info(`stopped ${config.command} (pid ${proc.pid})`);
    else ctx.logger.info(`${config.command} (pid ${proc.pid}) was not running`);
  }
  const rp = ctx.instance.runtimeProperties;
  delete rp.pid;
  delete rp.pid_start_time;
  await ctx.instance.update();
}

/** delete: forgets the port and address (log files stay for post-mortems). */
export async function deleteProcess(ctx: OperationContext): Promise<void> {
  const proc = processRecordOf(ctx);
  if (proc && isRunning(proc)) await stopProcessOperation(ctx);
  const rp = ctx.instance.runtimeProperties;
  for (const key of ['pid', 'pid_start_time', 'port', 'url', 'ip', 'metrics_url']) delete rp[key];
  await ctx.instance.update();
}

/** check_status: fails unless our process is alive and passes its readiness check. */
export async function checkProcessStatus(ctx: OperationContext): Promise<Value> {
  const config = readProcessConfig(ctx);
  const proc = processRecordOf(ctx);
  if (!proc || !isRunning(proc)) {
    throw new NonRecoverableError(`${ctx.node.name} (${ctx.instance.id}) is not running`);
  }
  const port =
    typeof ctx.instance.runtimeProperties.port === 'number'
      ? ctx.instance.runtimeProperties.port
      : undefined;
  if (!(await probe(config, port, ctx.signal))) {
    throw new NonRecoverableError(
      `${ctx.node.name} (${ctx.instance.id}) is running (pid ${proc.pid}) but fails its ${config.readiness.type} check`,
    );
  }
  return { status: 'ok', pid: proc.pid };
}

/** restart / heal: stop if needed, start again on the same port. */
export async function restartProcess(ctx: OperationContext): Promise<void> {
  await stopProcessOperation(ctx);
  await startProcess(ctx);
}
