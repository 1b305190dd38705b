/**
 * Long-running local processes that outlive the Trellis process that started them: spawned
 * detached (own session and process group), output appended to a log file, and found again
 * later by pid plus the process start time (so a reused pid is never mistaken for ours).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { killProcessGroup, processAlive, readProcStat } from '../script/process-group';

/** What identifies a started process across Trellis runs (kept in runtime properties). */
export interface ProcessRecord {
  pid: number;
  /** Start time token from /proc (clock ticks since boot); empty where /proc is absent. */
  startTime: string;
}

export interface SpawnSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** stdout and stderr are appended here. */
  logFile: string;
}

/** The start-time token of a live process, or undefined when it is not running. */
export function startTimeOf(pid: number): string | undefined {
  if (!processAlive(pid)) return undefined;
  const stat = readProcStat(pid);
  return stat ? String(stat.startTime) : '';
}

/** Is the process this record names still the one we started, and alive? */
export function isRunning(record: ProcessRecord): boolean {
  const current = startTimeOf(record.pid);
  if (current === undefined) return false;
  // Without /proc we cannot tell pid reuse apart; trust the pid.
  return record.startTime === '' || current === '' || current === record.startTime;
}

/** Finds an executable on PATH (or checks a path), like `command -v`. */
export function findExecutable(
  command: string,
  envPath: string = process.env.PATH ?? '',
): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : envPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Starts a detached process writing to `logFile`. Resolves once the OS has started it (or
 * rejects when it could not be started at all).
 */
export async function spawnDetached(spec: SpawnSpec): Promise<ProcessRecord> {
  await mkdir(path.dirname(spec.logFile), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      // A new session and process group: the process survives our exit and is stopped as a group.
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${spec.command}`);
    return { pid, startTime: startTimeOf(pid) ?? '' };
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops a process and its group: SIGTERM, then SIGKILL after `timeoutMs`. Does nothing when
 * the record no longer names a live process of ours. Resolves to how it went.
 */
export async function stopProcess(
  record: ProcessRecord,
  timeoutMs: number,
): Promise<'not-running' | 'stopped' | 'killed'> {
  if (!isRunning(record)) return 'not-running';
  const killed = await killProcessGroup(record.pid, timeoutMs);
  return killed ? 'killed' : 'stopped';
}

/** Is this TCP port free on 127.0.0.1? */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Does anything accept TCP connections on 127.0.0.1:port? */
export function tcpOpen(port: number, signal?: AbortSignal, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ port, host: '127.0.0.1' });
    const done = (open: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(open);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Does GET http://127.0.0.1:port/path answer with a non-error status? */
export async function httpReady(
  port: number,
  urlPath: string,
  signal?: AbortSignal,
  timeoutMs = 2000,
): Promise<boolean> {
  try {
    const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
      signal: AbortSignal.any(signals),
    });
    await response.body?.cancel();
    return response.status < 400;
  } catch {
    return false;
  }
}

/** The last `lines` lines of a log file ('' when it cannot be read). */
export function logTail(file: string, lines = 10): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
