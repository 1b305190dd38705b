/**
 * The local script transport: runs commands on this machine as child processes in their own
 * process group (so cancel/timeout kills the script and everything it started), with a `ctx`
 * command on PATH that talks back to the runner over a Unix socket.
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killProcessGroup } from './process-group';
import { answerCtxLine } from './transport';
import type {
  CtxHandler,
  RunRequest,
  RunResult,
  ScriptSession,
  ScriptTransport,
} from './transport';

/** The `ctx` client script shipped beside this file. */
export const ctxCliPath = fileURLToPath(new URL('./ctx-cli.js', import.meta.url));

/** Env var naming the socket the `ctx` command connects to. */
export const ctxSocketEnv = 'TRELLIS_CTX_SOCKET';

const defaultKillGraceMs = 2000;
/** After the main process exits, how long to wait for its pipes to drain. Pipes can stay open
 * forever when the script left a background process holding them (`nohup server &`). */
const pipeDrainMs = 300;

/** Quotes a string for a POSIX shell. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Serves `ctx` requests (one JSON line each way per connection) on a Unix socket. */
async function serveCtx(socketPath: string, handler: CtxHandler): Promise<net.Server> {
  const server = net.createServer((connection) => {
    connection.setEncoding('utf8');
    let buffered = '';
    connection.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      const line = buffered.slice(0, newline);
      buffered = '';
      void answerCtxLine(line, handler).then((response) => connection.end(JSON.stringify(response) + '\n'));
    });
    connection.on('error', () => connection.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

class LocalSession implements ScriptSession {
  private closed = false;
  private runCount = 0;

  constructor(
    readonly workDir: string,
    private readonly controlDir: string,
    private readonly binDir: string,
  ) {}

  async upload(
    localPath: string,
    options: { targetPath?: string; executable?: boolean } = {},
  ): Promise<string> {
    const target = options.targetPath
      ? path.resolve(this.workDir, options.targetPath)
      : path.join(this.workDir, path.basename(localPath));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(localPath, target);
    if (options.executable) await chmod(target, 0o755);
    return target;
  }

  async run(request: RunRequest): Promise<RunResult> {
    const [program, ...args] = request.argv;
    if (!program) throw new Error('nothing to run: empty argv');
    if (request.signal.aborted) return { exitCode: null, exitSignal: null, aborted: true };

    // One socket per run, so two runs in one session never mix their ctx calls.
    const socketPath = path.join(this.controlDir, `ctx-${++this.runCount}.sock`);
    const server = await serveCtx(socketPath, request.ctx);
    try {
      return await this.spawnAndWait(program, args, request, socketPath);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    }
  }

  private spawnAndWait(
    program: string,
    args: string[],
    request: RunRequest,
    socketPath: string,
  ): Promise<RunResult> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...request.env,
      PATH: `${this.binDir}${path.delimiter}${request.env.PATH ?? process.env.PATH ?? '/usr/bin:/bin'}`,
      [ctxSocketEnv]: socketPath,
    };
    const child = spawn(program, args, {
      cwd: request.cwd ?? this.workDir,
      env,
      // detached: the child leads a new process group (setsid), which we kill as a whole.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    return new Promise<RunResult>((resolve, reject) => {
      let aborted = false;
      let killing: Promise<void> | undefined;
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let openPipes = 2;

      const lines = (stream: 'stdout' | 'stderr', source: NodeJS.ReadableStream) => {
        const reader = createInterface({ input: source, crlfDelay: Infinity });
        reader.on('line', (line) => request.onLine(stream, line));
        reader.on('close', () => {
          openPipes--;
          maybeFinish();
        });
      };
      lines('stdout', child.stdout);
      lines('stderr', child.stderr);

      const onAbort = () => {
        if (aborted || child.pid === undefined) return;
        aborted = true;
        killing = killProcessGroup(child.pid, request.killGraceMs ?? defaultKillGraceMs).then(
          () => undefined,
        );
      };
      request.signal.addEventListener('abort', onAbort, { once: true });

      let drainTimer: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = () => {
        if (finished || !exited) return;
        finished = true;
        if (drainTimer) clearTimeout(drainTimer);
        request.signal.removeEventListener('abort', onAbort);
        const result: RunResult = { exitCode: exited.code, exitSignal: exited.signal, aborted };
        void (killing ?? Promise.resolve()).then(() => resolve(result));
      };
      const maybeFinish = () => {
        if (exited && openPipes === 0) finish();
      };

      child.on('error', (error) => {
        request.signal.removeEventListener('abort', onAbort);
        reject(error);
      });
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        if (openPipes === 0) return finish();
        drainTimer = setTimeout(() => {
          // Something the script started still holds the pipes: stop reading, keep going.
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }, pipeDrainMs);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await rm(this.workDir, { recursive: true, force: true });
    await rm(this.controlDir, { recursive: true, force: true });
  }
}

/** Runs scripts on this machine. */
export class LocalTransport implements ScriptTransport {
  readonly kind = 'local';

  /**
   * @param options.nodePath the Node executable the `ctx` command runs with
   *   (default: this process's; under Electron that binary acts as Node with
   *   ELECTRON_RUN_AS_NODE, which the ctx wrapper sets).
   */
  constructor(private readonly options: { nodePath?: string; tmpRoot?: string } = {}) {}

  async open(signal: AbortSignal): Promise<ScriptSession> {
    signal.throwIfAborted();
    const root = this.options.tmpRoot ?? os.tmpdir();
    const workDir = await mkdtemp(path.join(root, 'trellis-script-'));
    // Kept apart from workDir (the script's cwd) so scripts never see our socket and wrapper.
    const controlDir = await mkdtemp(path.join(root, 'trellis-ctl-'));
    const binDir = path.join(controlDir, 'bin');
    await mkdir(binDir);
    const nodePath = this.options.nodePath ?? process.execPath;
    await writeFile(
      path.join(binDir, 'ctx'),
      `#!/bin/sh\nELECTRON_RUN_AS_NODE=1\nexport ELECTRON_RUN_AS_NODE\nexec ${shellQuote(nodePath)} ${shellQuote(ctxCliPath)} "$@"\n`,
      { mode: 0o755 },
    );
    return new LocalSession(workDir, controlDir, binDir);
  }
}
