/**
 * Where a script runs. The script runner (runner.ts) is transport-agnostic: it decides what
 * to run (argv, environment) and what `ctx` calls mean; a transport decides where and how.
 * `local-transport.ts` runs on this machine; an SSH transport (plugins/script/ssh/) will run
 * the same requests on a remote host.
 */
import type { Value } from '../sdk';

/** One `ctx ...` call made by a running script: its command-line arguments. */
export interface CtxRequest {
  args: string[];
}

/** The answer to a `ctx` call; `value` is printed by the ctx command (strings raw, others as JSON). */
export type CtxResponse = { ok: true; value?: Value } | { ok: false; error: string };

/** Serves the `ctx` calls of one running script. Never throws: errors become `{ok: false}`. */
export type CtxHandler = (request: CtxRequest) => Promise<CtxResponse>;

/**
 * Answers one line of the ctx wire protocol (a JSON `{args: string[]}` from ctx-cli.js or
 * the Python shim), whatever transport carried it: a malformed request or a handler that
 * throws becomes an error response, so a bad ctx call fails that call, not the operation.
 */
export async function answerCtxLine(line: string, handler: CtxHandler): Promise<CtxResponse> {
  let request: CtxRequest;
  try {
    const parsed = JSON.parse(line) as { args?: unknown };
    if (!Array.isArray(parsed.args) || !parsed.args.every((a) => typeof a === 'string')) {
      return { ok: false, error: 'malformed request' };
    }
    request = { args: parsed.args };
  } catch {
    return { ok: false, error: 'malformed request' };
  }
  try {
    return await handler(request);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** What to run, where the transport runs it. */
export interface RunRequest {
  /** Program and arguments (no shell involved). */
  argv: string[];
  /** Extra environment variables (added to the transport's base environment). */
  env: Record<string, string>;
  /** Working directory there; defaults to the session's `workDir`. */
  cwd?: string;
  /** Fires on cancel or timeout: the whole process group is killed. */
  signal: AbortSignal;
  /** Each line of stdout/stderr, without the newline, as it arrives. */
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Serves the script's `ctx` calls for as long as it runs. */
  ctx: CtxHandler;
  /**
   * After an abort, how long the process group gets between SIGTERM and SIGKILL.
   * @default 2000
   */
  killGraceMs?: number;
}

/** How a run ended. */
export interface RunResult {
  /** Exit code, or null when the process was ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the process, if any (e.g. `SIGTERM`). */
  exitSignal: string | null;
  /** True when the run was ended because `signal` fired. */
  aborted: boolean;
}

/** One use of a transport for one operation: a scratch folder there, uploads, runs. */
export interface ScriptSession {
  /** A fresh scratch folder where the commands run (removed by `close`). */
  readonly workDir: string;
  /**
   * Puts a local file into the scratch folder (or at `targetPath` there) and returns its path
   * there. The file is made executable when `executable` is set.
   */
  upload(
    localPath: string,
    options?: { targetPath?: string; executable?: boolean },
  ): Promise<string>;
  /** Runs one command to its end (or until aborted), streaming its output. */
  run(request: RunRequest): Promise<RunResult>;
  /** Removes the scratch folder and releases the connection. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens sessions on one place where scripts run (this machine, one SSH host, ...). */
export interface ScriptTransport {
  /** `local`, `ssh`, ... (shown in logs). */
  readonly kind: string;
  open(signal: AbortSignal): Promise<ScriptSession>;
}
