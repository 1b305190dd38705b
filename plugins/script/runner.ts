/**
 * The script runner: runs an operation whose implementation is a script, Cloudify-style.
 * Transport-agnostic: it builds the command and environment, serves `ctx` calls and turns
 * the way the script ended into success or a failure; the transport runs it somewhere.
 *
 * Inputs: `script_path` (relative to the blueprint), optional `process`
 * (`{cwd, env, args, command_prefix}` as in Cloudify), every other input becomes an
 * environment variable (strings as they are, other values as JSON) and all of them together
 * are in TRELLIS_INPUTS as JSON.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationContext, Value } from '../sdk';
import {
  CancelledFailure,
  NonRecoverableError,
  OperationFailure,
  RecoverableError,
  TimeoutFailure,
} from '../sdk';
import { createCtxHandler, type CtxOutcome } from './ctx-commands';
import type { ScriptSession, ScriptTransport } from './transport';

/** Trellis's stand-in for Cloudify's `cloudify` Python package (`from cloudify import ctx`). */
const pythonShimDir = fileURLToPath(new URL('./python/cloudify/', import.meta.url));

/** Is this a Python script (by extension, shebang or command prefix)? */
async function isPython(localScript: string, prefix?: string): Promise<boolean> {
  if (path.extname(localScript).toLowerCase() === '.py') return true;
  if (prefix?.includes('python')) return true;
  const firstLine = (await readFile(localScript, 'utf8')).split('\n', 1)[0] ?? '';
  return firstLine.startsWith('#!') && firstLine.includes('python');
}

/** Puts the `cloudify` shim where the script runs; returns the folder for PYTHONPATH. */
async function uploadPythonShim(session: ScriptSession): Promise<string> {
  const target = '.trellis-python/cloudify';
  for (const file of await readdir(pythonShimDir)) {
    if (file.endsWith('.py'))
      await session.upload(path.join(pythonShimDir, file), { targetPath: `${target}/${file}` });
  }
  return path.posix.join(session.workDir, '.trellis-python');
}

/** Inputs the runner consumes itself; they are not passed to the script's environment. */
const reservedInputs = new Set(['script_path', 'process']);

/** Cloudify's `process` input. */
export interface ProcessOptions {
  cwd?: string;
  env?: Record<string, string>;
  args?: string[];
  /** Run the script as `<command_prefix> <script> <args>` (e.g. `/bin/bash`). */
  command_prefix?: string;
}

export interface RunScriptOptions {
  transport: ScriptTransport;
  /** Overrides `ctx.inputs.script_path`. */
  scriptPath?: string;
  /** How many trailing stderr lines go into the failure message. @default 5 */
  stderrTail?: number;
  /** SIGTERM-to-SIGKILL grace on cancel/timeout. @default 2000 */
  killGraceMs?: number;
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

function asString(value: Value): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function readProcessOptions(raw: Value | undefined): ProcessOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new NonRecoverableError(`input 'process' must be a map (cwd, env, args, command_prefix)`);
  }
  const options: ProcessOptions = {};
  if (typeof raw.cwd === 'string') options.cwd = raw.cwd;
  if (typeof raw.command_prefix === 'string' && raw.command_prefix.trim())
    options.command_prefix = raw.command_prefix;
  if (Array.isArray(raw.args)) options.args = raw.args.map(asString);
  if (raw.env && typeof raw.env === 'object' && !Array.isArray(raw.env)) {
    options.env = Object.fromEntries(Object.entries(raw.env).map(([k, v]) => [k, asString(v)]));
  }
  return options;
}

/**
 * How to start the script: `command_prefix` when given; else its shebang (run directly, it is
 * made executable on upload); else an interpreter chosen by its extension.
 */
export async function scriptArgv(
  localScript: string,
  uploadedScript: string,
  prefix?: string,
): Promise<string[]> {
  if (prefix) return [...prefix.trim().split(/\s+/), uploadedScript];
  const head = (await readFile(localScript, 'utf8')).slice(0, 2);
  if (head === '#!') return [uploadedScript];
  const ext = path.extname(localScript).toLowerCase();
  if (ext === '.py') return ['python3', uploadedScript];
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return ['node', uploadedScript];
  if (ext === '.sh' || ext === '.bash') return ['bash', uploadedScript];
  return ['sh', uploadedScript];
}

/** The environment the script sees (besides the transport's base environment). */
export function scriptEnv(
  ctx: OperationContext,
  processEnv: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const passed: Record<string, Value> = {};
  for (const [name, value] of Object.entries(ctx.inputs)) {
    if (reservedInputs.has(name)) continue;
    passed[name] = value;
    if (envName.test(name)) env[name] = asString(value);
  }
  return {
    ...env,
    TRELLIS_INPUTS: JSON.stringify(passed),
    TRELLIS_DEPLOYMENT_ID: ctx.deploymentId,
    TRELLIS_BLUEPRINT_ID: ctx.blueprintId,
    TRELLIS_EXECUTION_ID: ctx.executionId,
    TRELLIS_NODE_NAME: ctx.node.name,
    TRELLIS_INSTANCE_ID: ctx.instance.id,
    TRELLIS_OPERATION: ctx.operation.name,
    TRELLIS_CONTEXT_TYPE: ctx.relationship ? 'relationship-instance' : 'node-instance',
    ...processEnv,
  };
}

/** Why the signal fired, as a failure: timeouts retry, cancellations do not. */
function abortFailure(signal: AbortSignal): OperationFailure {
  const reason: unknown = signal.reason;
  if (reason instanceof OperationFailure) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError')
    return new TimeoutFailure(0, { cause: reason });
  return new CancelledFailure('cancelled while the script was running', { cause: reason });
}

/**
 * Runs the script named by the operation's `script_path` input (or `options.scriptPath`)
 * and returns what it passed to `ctx returns` (or nothing).
 * @throws NonRecoverableError when the script is missing or called `ctx abort-operation`;
 *   RecoverableError when it exited non-zero or called `ctx retry-operation`;
 *   CancelledFailure/TimeoutFailure when the signal fired (the process group is killed).
 */
export async function runScript(
  ctx: OperationContext,
  options: RunScriptOptions,
): Promise<Value | undefined> {
  const scriptPath = options.scriptPath ?? ctx.inputs.script_path;
  if (typeof scriptPath !== 'string' || !scriptPath) {
    throw new NonRecoverableError(`no script to run: the operation has no 'script_path' input`);
  }
  let localScript: string;
  try {
    localScript = ctx.resolveResource(scriptPath);
    if (!(await stat(localScript)).isFile()) throw new Error('not a file');
  } catch (error) {
    throw new NonRecoverableError(
      `script '${scriptPath}' not found in the blueprint folder ${ctx.blueprintDir}`,
      {
        cause: error,
      },
    );
  }
  return runScriptFile(ctx, localScript, scriptPath, options);
}

/**
 * Runs a local script file (already resolved) through the transport; see {@link runScript}.
 * `label` names the script in logs and failure messages.
 */
export async function runScriptFile(
  ctx: OperationContext,
  localScript: string,
  label: string,
  options: RunScriptOptions,
): Promise<Value | undefined> {
  const processOptions = readProcessOptions(ctx.inputs.process);
  const session = await options.transport.open(ctx.signal);
  try {
    const uploaded = await session.upload(localScript, { executable: true });
    const argv = [
      ...(await scriptArgv(localScript, uploaded, processOptions.command_prefix)),
      ...(processOptions.args ?? []),
    ];
    const env = scriptEnv(ctx, processOptions.env);
    if (await isPython(localScript, processOptions.command_prefix)) {
      const shim = await uploadPythonShim(session);
      env.PYTHONPATH = env.PYTHONPATH ? `${shim}${path.delimiter}${env.PYTHONPATH}` : shim;
    }
    const outcome: CtxOutcome = {};
    const handler = createCtxHandler(
      ctx,
      (local, target) => session.upload(local, target ? { targetPath: target } : {}),
      outcome,
    );
    const tail: string[] = [];
    const tailSize = options.stderrTail ?? 5;
    ctx.logger.debug(`running ${label} (${options.transport.kind})`, { argv });
    const result = await session
      .run({
        argv,
        env,
        ...(processOptions.cwd ? { cwd: processOptions.cwd } : {}),
        signal: ctx.signal,
        killGraceMs: options.killGraceMs ?? 2000,
        ctx: handler,
        onLine: (stream, line) => {
          if (stream === 'stdout') ctx.logger.info(line, { stream });
          else {
            ctx.logger.warn(line, { stream });
            tail.push(line);
            if (tail.length > tailSize) tail.shift();
          }
        },
      })
      .catch((error: unknown) => {
        // The program itself could not be started (e.g. python3 not installed): retrying cannot help.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          const where = processOptions.cwd
            ? ` (or the folder ${processOptions.cwd} does not exist)`
            : '';
          throw new NonRecoverableError(
            `cannot run ${label}: '${argv[0] ?? ''}' was not found${where}`,
            {
              cause: error,
            },
          );
        }
        throw error;
      });

    if (result.aborted) throw abortFailure(ctx.signal);
    if (outcome.abort) throw new NonRecoverableError(outcome.abort.message);
    if (outcome.retry) {
      throw new RecoverableError(
        outcome.retry.message,
        outcome.retry.retryAfter === undefined ? {} : { retryAfter: outcome.retry.retryAfter },
      );
    }
    if (result.exitCode !== 0) {
      const how =
        result.exitCode === null
          ? `was killed by ${result.exitSignal ?? 'a signal'}`
          : `exited with code ${result.exitCode}`;
      const detail = tail.length > 0 ? `: ${tail.join(' | ')}` : '';
      throw new RecoverableError(`script ${label} ${how}${detail}`);
    }
    return outcome.returned;
  } finally {
    await session.close();
  }
}
