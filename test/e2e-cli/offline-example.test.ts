/**
 * The offline example end to end through the real `trellis` CLI, as a user runs it on a fresh
 * machine: install, a request through the balancer, scale out to 5 and in to 1 (the
 * balancer's backends follow), kill a service process and heal it, uninstall leaving no
 * process and no open port. TRELLIS_HOME is a temp folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable, isRunning, tcpOpen } from '../../plugins/local/process-manager';
import { processAlive } from '../../plugins/script/process-group';

const root = fileURLToPath(new URL('../../', import.meta.url));
const blueprint = path.join(root, 'blueprints', 'local-microservices', 'blueprint.yaml');
const deployment = `offline-e2e-${process.pid}`;
let home: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `trellis ARGS` in a child process, as a user would. */
function trellis(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'trellis.js'), ...args], {
      cwd: root,
      env: { ...process.env, TRELLIS_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function trellisOk(...args: string[]): Promise<CliResult> {
  const result = await trellis(...args);
  if (result.code !== 0) {
    throw new Error(
      `trellis ${args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/**
 * Every live process our deployment started: those that carry TRELLIS_DEPLOYMENT_ID in their
 * environment, plus those recorded in process.json files (redis-server rewrites its
 * environment block with its process title, so the first way misses it).
 */
function deploymentProcesses(): number[] {
  const found = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (env.includes(`TRELLIS_DEPLOYMENT_ID=${deployment}`) && processAlive(pid)) found.add(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  for (const record of startedProcesses()) {
    if (isRunning({ pid: record.pid, startTime: record.startTime })) found.add(record.pid);
  }
  return [...found].sort((a, b) => a - b);
}

/** What the local plugin wrote beside each process's log: pid and port of every start. */
function startedProcesses(): {
  instance: string;
  pid: number;
  startTime: string;
  port: number | null;
}[] {
  const dir = path.join(home, 'deployments', deployment, 'processes');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((instance) => existsSync(path.join(dir, instance, 'process.json')))
    .map((instance) => {
      const record = JSON.parse(readFileSync(path.join(dir, instance, 'process.json'), 'utf8')) as {
        pid: number;
        startTime: string;
        port: number | null;
      };
      return { instance, pid: record.pid, startTime: record.startTime, port: record.port };
    });
}

async function backends(url: string): Promise<{ id: string; url: string }[]> {
  const answer = (await (await fetch(`${url}/admin/backends`)).json()) as {
    backends: { id: string; url: string }[];
  };
  return answer.backends;
}

async function instancesAnswering(url: string, requests: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < requests; i++) {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    seen.add(((await response.json()) as { instance: string }).instance);
  }
  return seen;
}

/** The balancer URL from `trellis outputs --json`, whatever the exact nesting. */
function urlFromOutputs(stdout: string): string {
  const parsed = JSON.parse(stdout) as Record<string, unknown>;
  const outputs = (parsed.outputs ?? parsed) as Record<string, unknown>;
  const url = outputs.url;
  const value = typeof url === 'object' && url !== null && 'value' in url ? url.value : url;
  if (typeof value !== 'string') throw new Error(`no url output in: ${stdout}`);
  return value;
}

const redisInstalled = findExecutable('redis-server') !== undefined;
const runIt = redisInstalled || process.env.CI === 'true';
if (!runIt) {
  console.warn(
    '\n*** SKIPPING the offline example end-to-end test: redis-server is not installed (apt-get install redis-server) ***\n',
  );
}

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'trellis-e2e-home-'));
});

afterAll(async () => {
  // Safety net for a failed run: never leave the example's processes behind.
  for (const pid of deploymentProcesses()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  await rm(home, { recursive: true, force: true });
});

describe.skipIf(!runIt)('the offline example from the CLI', () => {
  it('installs, answers through the balancer, scales 2 -> 5 -> 1, heals a killed service and uninstalls cleanly', async () => {
    await trellisOk('install', blueprint, '-d', deployment);
    const url = urlFromOutputs((await trellisOk('outputs', deployment, '--json')).stdout);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // A request through the balancer reaches a service, which counts it in Redis.
    const first = (await (await fetch(url)).json()) as { instance: string; hits: number };
    expect(first.hits).toBeGreaterThanOrEqual(1);
    expect(await backends(url)).toHaveLength(2);
    expect(await instancesAnswering(url, 4)).toHaveLength(2);

    await trellisOk('scale', deployment, 'service', '--delta=3');
    expect(await backends(url)).toHaveLength(5);
    expect(await instancesAnswering(url, 10)).toHaveLength(5);

    await trellisOk('scale', deployment, 'service', '--delta=-4');
    const [survivor, ...others] = await backends(url);
    expect(others).toHaveLength(0);
    expect(await instancesAnswering(url, 3)).toEqual(new Set([survivor!.id]));

    // Kill the last service process behind the balancer's back, then heal it.
    const victim = startedProcesses().find((p) => p.instance === survivor!.id)!;
    process.kill(victim.pid, 'SIGKILL');
    for (let i = 0; i < 100 && processAlive(victim.pid); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await fetch(url)).status).toBe(502);

    await trellisOk('heal', deployment, survivor!.id);
    const healed = startedProcesses().find((p) => p.instance === survivor!.id)!;
    expect(healed.pid).not.toBe(victim.pid);
    const after = (await (await fetch(url)).json()) as { instance: string; hits: number };
    expect(after.instance).toBe(survivor!.id);
    expect(after.hits).toBeGreaterThan(first.hits);

    expect(deploymentProcesses().length).toBeGreaterThanOrEqual(4);
    const ports = startedProcesses()
      .map((p) => p.port)
      .filter((p): p is number => p !== null);

    await trellisOk('uninstall', deployment);
    expect(deploymentProcesses()).toEqual([]);
    for (const port of ports) expect(await tcpOpen(port), `port ${port} still open`).toBe(false);
  }, 240_000);
});
