/**
 * Process-group helpers shared by the local script transport and the local process plugin.
 * A process group is how we find "everything a script started" and kill it together.
 */
import { readdirSync, readFileSync } from 'node:fs';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The fields of /proc/PID/stat we use. */
export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  /** Start time in clock ticks since boot: with the pid it identifies a process across pid reuse. */
  startTime: number;
}

/** Reads /proc/PID/stat (Linux). Undefined when the process does not exist or /proc is absent. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0] ?? '?';
  return {
    pid,
    state,
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    startTime: Number(rest[19]),
  };
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Live (not zombie) members of a process group. Zombies are skipped because in containers
 * PID 1 may never reap the orphans we killed, and they are harmless.
 */
export function liveGroupMembers(pgid: number): number[] {
  if (!hasProc) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? [pgid] : [];
    }
  }
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(pid);
  }
  return members;
}

/** Is this process alive (and not a zombie)? */
export function processAlive(pid: number): boolean {
  if (hasProc) {
    const stat = readProcStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends a signal to a whole group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left to signal.
  }
}

/**
 * Kills a process group: SIGTERM, then SIGKILL for whatever is left after `graceMs`.
 * Resolves once no live member remains (or shortly after SIGKILL, which cannot be refused).
 * @returns true when SIGKILL was needed.
 */
export async function killProcessGroup(pgid: number, graceMs: number): Promise<boolean> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (liveGroupMembers(pgid).length === 0) return false;
    await sleep(25);
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && liveGroupMembers(pgid).length > 0; i++) await sleep(25);
  return true;
}
