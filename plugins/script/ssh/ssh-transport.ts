/**
 * The SSH script transport: runs the script runner's requests on a remote host (ssh2).
 * - a scratch folder and a private control folder there (mktemp), removed on close;
 * - uploads over SFTP;
 * - each run: its environment in a private file that the command sources (never on the
 *   command line, where `ps` would show inputs and secrets), output streamed line by line,
 *   the remote exit code or signal;
 * - cancel/timeout: SIGTERM to the remote process group, SIGKILL after the grace period;
 * - `ctx`: sshd listens on a Unix socket in the control folder and forwards each connection
 *   to us (OpenSSH streamlocal forwarding); a `ctx` wrapper on PATH runs the Node client
 *   (ctx-cli.js) or, where there is no Node, a Python 3 client.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Channel, Client, SFTPWrapper } from 'ssh2';
import { RecoverableError } from '../../sdk';
import type {
  CtxHandler,
  RunRequest,
  RunResult,
  ScriptSession,
  ScriptTransport,
} from '../transport';
import { answerCtxLine } from '../transport';
import { connectSsh, type ConnectOptions, type SshTarget } from './connection';
import type { KnownHosts } from './known-hosts';
import { envScript, killGroupCommand, missingMarker, pgidMarker, runCommand, shellQuote } from './remote-shell';

const ctxCliJs = fileURLToPath(new URL('../ctx-cli.js', import.meta.url));
const ctxCliPy = fileURLToPath(new URL('./ctx_cli.py', import.meta.url));

const defaultKillGraceMs = 2000;
/** After the remote program exits, how long its channel may stay open (a background process
 * it started can hold the output open forever). */
const pipeDrainMs = 300;

/** The `ctx` command there: Node when the host has it, else Python 3. */
function ctxWrapper(binDir: string): string {
  const q = shellQuote;
  return `#!/bin/sh
if command -v node >/dev/null 2>&1; then exec node ${q(`${binDir}/ctx-cli.mjs`)} "$@"; fi
if command -v python3 >/dev/null 2>&1; then exec python3 ${q(`${binDir}/ctx_cli.py`)} "$@"; fi
echo "ctx: this host has neither node nor python3; install one of them to use ctx" >&2
exit 2
`;
}

/** Runs a short command to its end and collects its output. */
export function execCapture(
  client: Client,
  command: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      channel.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => resolve({ code, stdout, stderr }));
    });
  });
}

function sftpOf(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((e, s) => (e ? reject(e) : resolve(s))));
}

const promisify =
  <A extends unknown[]>(fn: (...args: [...A, (error?: Error | null) => void]) => void) =>
  (...args: A): Promise<void> =>
    new Promise((resolve, reject) => fn(...args, (error?: Error | null) => (error ? reject(error) : resolve())));

/** Reads one JSON line from a forwarded ctx connection and writes the answer back. */
function serveCtxStream(stream: Channel, handler: CtxHandler): void {
  let buffered = '';
  let answered = false;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (answered) return;
    buffered += chunk;
    const newline = buffered.indexOf('\n');
    if (newline < 0) return;
    answered = true;
    void answerCtxLine(buffered.slice(0, newline), handler).then((response) =>
      stream.end(JSON.stringify(response) + '\n'),
    );
  });
  stream.on('error', () => stream.destroy());
}

class SshSession implements ScriptSession {
  private closed = false;
  private runCount = 0;
  private sftp: Promise<SFTPWrapper> | undefined;
  private ctxReady: Promise<boolean> | undefined;
  private readonly ctxHandlers = new Map<string, CtxHandler>();
  private lost: Error | undefined;
  private readonly lostListeners = new Set<(error: Error) => void>();

  constructor(
    private readonly client: Client,
    readonly workDir: string,
    private readonly controlDir: string,
    private readonly warn: (message: string) => void,
  ) {
    client.on('unix connection', (info, accept, reject) => {
      const handler = this.ctxHandlers.get(info.socketPath);
      if (!handler) return reject();
      serveCtxStream(accept(), handler);
    });
    const onLost = (error: Error) => {
      this.lost ??= error;
      for (const listener of this.lostListeners) listener(this.lost);
    };
    client.on('error', onLost);
    client.on('close', () => onLost(new Error('the SSH connection closed')));
  }

  private files(): Promise<SFTPWrapper> {
    this.sftp ??= sftpOf(this.client);
    return this.sftp;
  }

  /** Creates `dir` and its parents below the scratch folder (SFTP has no mkdir -p). */
  private async mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
    const rel = path.posix.relative(this.workDir, dir);
    if (!rel || rel.startsWith('..')) return;
    let current = this.workDir;
    for (const part of rel.split('/')) {
      current = path.posix.join(current, part);
      const exists = await new Promise<boolean>((resolve) => sftp.stat(current, (e) => resolve(!e)));
      if (!exists) await promisify<[string]>((p, cb) => sftp.mkdir(p, cb))(current);
    }
  }

  private async writeRemote(target: string, content: string | Buffer, mode: number): Promise<void> {
    const sftp = await this.files();
    await promisify<[string, string | Buffer, { mode: number }]>((p, d, o, cb) => sftp.writeFile(p, d, o, cb))(
      target,
      content,
      { mode },
    );
    await promisify<[string, number]>((p, m, cb) => sftp.chmod(p, m, cb))(target, mode);
  }

  async upload(localPath: string, options: { targetPath?: string; executable?: boolean } = {}): Promise<string> {
    const target = options.targetPath
      ? path.posix.resolve(this.workDir, options.targetPath)
      : path.posix.join(this.workDir, path.basename(localPath));
    const sftp = await this.files();
    await this.mkdirs(sftp, path.posix.dirname(target));
    const mode = options.executable ? 0o755 : 0o644;
    await promisify<[string, string, { mode: number }]>((l, r, o, cb) => sftp.fastPut(l, r, o, cb))(
      localPath,
      target,
      { mode },
    );
    await promisify<[string, number]>((p, m, cb) => sftp.chmod(p, m, cb))(target, mode);
    return target;
  }

  /** Puts the ctx clients and wrapper in the control folder once per session. */
  private prepareCtx(): Promise<boolean> {
    this.ctxReady ??= (async () => {
      const bin = `${this.controlDir}/bin`;
      await this.writeRemote(`${bin}/ctx-cli.mjs`, await readFile(ctxCliJs), 0o600);
      await this.writeRemote(`${bin}/ctx_cli.py`, await readFile(ctxCliPy), 0o600);
      await this.writeRemote(`${bin}/ctx`, ctxWrapper(bin), 0o700);
      return true;
    })();
    return this.ctxReady;
  }

  private forward(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.openssh_forwardInStreamLocal(socketPath, (e) => (e ? reject(e) : resolve())),
    );
  }

  private unforward(socketPath: string): Promise<void> {
    return new Promise((resolve) => this.client.openssh_unforwardInStreamLocal(socketPath, () => resolve()));
  }

  async run(request: RunRequest): Promise<RunResult> {
    if (!request.argv[0]) throw new Error('nothing to run: empty argv');
    if (request.signal.aborted) return { exitCode: null, exitSignal: null, aborted: true };
    if (this.lost) throw this.connectionLost(this.lost);
    const n = ++this.runCount;
    const socketPath = `${this.controlDir}/ctx-${n}.sock`;
    const envFile = `${this.controlDir}/env-${n}`;
    await this.prepareCtx();
    let forwarded = false;
    try {
      this.ctxHandlers.set(socketPath, request.ctx);
      await this.forward(socketPath);
      forwarded = true;
    } catch (error) {
      this.warn(
        `ctx is not available in this script: the host refused to forward a Unix socket (${(error as Error).message}); allow it with AllowStreamLocalForwarding yes in sshd_config`,
      );
    }
    const { PATH: pathOverride, ...variables } = request.env;
    // The ctx wrapper first; then the given PATH, or the host's own (expanded there, not here).
    const script =
      envScript({ ...variables, TRELLIS_CTX_SOCKET: socketPath }) +
      `export PATH=${shellQuote(`${this.controlDir}/bin`)}:${pathOverride ? shellQuote(pathOverride) : '"$PATH"'}\n`;
    await this.writeRemote(envFile, script, 0o600);
    try {
      return await this.execRun(runCommand(request.argv, request.cwd ?? this.workDir, envFile), request);
    } finally {
      this.ctxHandlers.delete(socketPath);
      if (forwarded && !this.lost) await this.unforward(socketPath);
      if (!this.lost) await execCapture(this.client, `rm -f ${shellQuote(envFile)} ${shellQuote(socketPath)}`).catch(() => undefined);
    }
  }

  private connectionLost(error: Error): RecoverableError {
    return new RecoverableError(`the SSH connection was lost while the script ran: ${error.message}`, { cause: error });
  }

  private execRun(command: string, request: RunRequest): Promise<RunResult> {
    return new Promise<RunResult>((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(error);
        let pgid: number | undefined;
        let aborted = false;
        let killing: Promise<unknown> | undefined;
        let exit: { code: number | null; signal: string | null } | undefined;
        let missing: string | undefined;
        let finished = false;
        let drainTimer: NodeJS.Timeout | undefined;

        const kill = () => {
          if (killing || pgid === undefined || this.lost) return;
          killing = execCapture(this.client, killGroupCommand(pgid, request.killGraceMs ?? defaultKillGraceMs)).catch(
            () => undefined,
          );
        };
        const onAbort = () => {
          aborted = true;
          kill();
        };
        request.signal.addEventListener('abort', onAbort, { once: true });

        const finish = (failure?: Error) => {
          if (finished) return;
          finished = true;
          if (drainTimer) clearTimeout(drainTimer);
          request.signal.removeEventListener('abort', onAbort);
          this.lostListeners.delete(onLost);
          if (failure) return reject(failure);
          if (missing !== undefined && exit?.code === 127) {
            return reject(Object.assign(new Error(`not found on the host: ${missing}`), { code: 'ENOENT' }));
          }
          const result: RunResult = { exitCode: exit?.code ?? null, exitSignal: exit?.signal ?? null, aborted };
          void (killing ?? Promise.resolve()).then(() => resolve(result));
        };
        const onLost = (lost: Error) => {
          if (aborted) {
            finish();
          } else finish(this.connectionLost(lost));
        };
        this.lostListeners.add(onLost);

        const lines = (stream: 'stdout' | 'stderr', source: Readable) => {
          const reader = createInterface({ input: source, crlfDelay: Infinity });
          reader.on('line', (line) => {
            if (stream === 'stderr' && pgid === undefined && line.startsWith(pgidMarker)) {
              pgid = Number(line.slice(pgidMarker.length));
              if (aborted) kill();
              return;
            }
            if (stream === 'stderr' && line.startsWith(missingMarker)) {
              missing = line.slice(missingMarker.length);
              return;
            }
            request.onLine(stream, line);
          });
        };
        lines('stdout', channel);
        lines('stderr', channel.stderr);

        channel.on('exit', (code: number | null, signal?: string) => {
          exit = { code: typeof code === 'number' ? code : null, signal: signal ?? null };
          drainTimer = setTimeout(() => {
            // Something the script started still holds the output open: stop reading.
            channel.close();
            finish();
          }, pipeDrainMs);
        });
        channel.on('close', () => finish());
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.lost) {
        await execCapture(this.client, `rm -rf -- ${shellQuote(this.workDir)} ${shellQuote(this.controlDir)}`);
      }
    } catch {
      // Best effort: the folders are in /tmp and hold nothing secret once the run is over.
    } finally {
      this.client.end();
    }
  }
}

export interface SshTransportOptions {
  /** Where to connect (resolved lazily, when a session opens). */
  target: () => Promise<SshTarget>;
  knownHosts: KnownHosts;
  /** Connection retry behaviour (see ConnectOptions). */
  retryAfter?: number;
  authRetries?: number;
  retryNumber?: number;
  /** Warnings about the host (e.g. ctx unavailable). */
  warn?: (message: string) => void;
  /** Parent folder of the scratch folders there. @default /tmp */
  remoteTmp?: string;
}

/** Runs scripts on one host over SSH. */
export class SshTransport implements ScriptTransport {
  readonly kind = 'ssh';

  constructor(private readonly options: SshTransportOptions) {}

  async open(signal: AbortSignal): Promise<ScriptSession> {
    signal.throwIfAborted();
    const target = await this.options.target();
    const connect: ConnectOptions = { knownHosts: this.options.knownHosts, signal };
    if (this.options.retryAfter !== undefined) connect.retryAfter = this.options.retryAfter;
    if (this.options.authRetries !== undefined) connect.authRetries = this.options.authRetries;
    if (this.options.retryNumber !== undefined) connect.retryNumber = this.options.retryNumber;
    if (this.options.warn) connect.warn = this.options.warn;
    const client = await connectSsh(target, connect);
    try {
      const tmp = shellQuote(this.options.remoteTmp ?? '/tmp');
      // umask 077: the control folder holds the env files (inputs, maybe secrets).
      const made = await execCapture(
        client,
        `umask 077; w=$(mktemp -d ${tmp}/trellis-script-XXXXXX) && c=$(mktemp -d ${tmp}/trellis-ctl-XXXXXX) && mkdir "$c/bin" && chmod 755 "$w" && echo "$w" && echo "$c"`,
      );
      const [workDir, controlDir] = made.stdout.trim().split('\n');
      if (made.code !== 0 || !workDir || !controlDir) {
        throw new RecoverableError(
          `cannot create a scratch folder on ${target.user}@${target.host}:${target.port}: ${made.stderr.trim() || `exit ${made.code}`}`,
        );
      }
      return new SshSession(client, workDir, controlDir, this.options.warn ?? (() => undefined));
    } catch (error) {
      client.end();
      throw error;
    }
  }
}
