import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NonRecoverableError, RecoverableError, type Value } from '../../../plugins/sdk';
import { localPlugin } from '../../../plugins/local';
import { isRunning, portFree, tcpOpen } from '../../../plugins/local/process-manager';
import { processAlive, readProcStat } from '../../../plugins/script/process-group';
import { createTestContext, type TestContextOptions } from '../../support/operation-context';

const op = (name: string) => localPlugin.operations[name]!;

let home: string;
let blueprintDir: string;
const started: number[] = [];

// A small server the tests start as a Process: listens on PORT after READY_DELAY ms, says
// goodbye on SIGTERM (or ignores it with IGNORE_TERM=1), exits at once with CRASH=1.
const serverScript = `
import http from 'node:http';
if (process.env.CRASH) { console.error('cannot start: config missing'); process.exit(4); }
if (process.env.IGNORE_TERM) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
else process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
const server = http.createServer((req, res) => res.end(JSON.stringify({ pid: process.pid, path: req.url })));
setTimeout(() => server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening ' + process.env.PORT)), Number(process.env.READY_DELAY ?? 0));
`;

function processContext(properties: Record<string, Value>, options: TestContextOptions = {}) {
  return createTestContext({
    blueprintDir,
    nodeName: 'app',
    nodeType: 'trellis.nodes.local.Process',
    ...options,
    properties: {
      command: 'node',
      args: ['server.mjs'],
      port: 0,
      readiness: { type: 'http', path: '/healthz', timeout: 10 },
      stop_timeout: 2,
      ...properties,
    },
  });
}

async function startApp(properties: Record<string, Value> = {}, options: TestContextOptions = {}) {
  const test = processContext(properties, options);
  await op('process.create')(test.ctx);
  await op('process.start')(test.ctx);
  started.push(test.ctx.instance.runtimeProperties.pid as number);
  return test;
}

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'trellis-local-home-'));
  process.env.TRELLIS_HOME = home;
  blueprintDir = await mkdtemp(path.join(os.tmpdir(), 'trellis-local-bp-'));
  await writeFile(path.join(blueprintDir, 'server.mjs'), serverScript);
});
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(blueprintDir, { recursive: true, force: true });
});

describe('trellis.nodes.local.Process', () => {
  it('create picks a free port for port 0 and records it with the url', async () => {
    const { ctx, updates } = processContext({});
    await op('process.create')(ctx);
    const port = ctx.instance.runtimeProperties.port as number;
    expect(port).toBeGreaterThan(0);
    expect(await portFree(port)).toBe(true);
    expect(ctx.instance.runtimeProperties.url).toBe(`http://127.0.0.1:${port}`);
    expect(updates.get(ctx.instance.id)).toBeGreaterThan(0);
  });

  it('start runs the process detached in its own group, waits until it answers and records pid and log', async () => {
    const { ctx } = await startApp({}, { instanceId: 'app_started' });
    const rp = ctx.instance.runtimeProperties;
    const pid = rp.pid as number;
    expect(processAlive(pid)).toBe(true);
    expect(readProcStat(pid)?.pgrp).toBe(pid);
    expect(rp.pid_start_time).toBe(String(readProcStat(pid)?.startTime));
    const answer = (await (await fetch(`${rp.url as string}/x`)).json()) as { pid: number };
    expect(answer.pid).toBe(pid);
    expect(rp.log_file).toBe(
      path.join(home, 'deployments', 'test-deployment', 'processes', 'app_started', 'process.log'),
    );
    expect(await readFile(rp.log_file as string, 'utf8')).toContain(
      `listening ${rp.port as number}`,
    );
  });

  it('keeps logs in the deployment folder the engine gives it', async () => {
    const dataDir = path.join(home, 'elsewhere', 'dep1');
    const { ctx } = await startApp({}, { instanceId: 'app_dd', deploymentDataDir: dataDir });
    expect(ctx.instance.runtimeProperties.log_file).toBe(
      path.join(dataDir, 'processes', 'app_dd', 'process.log'),
    );
    const record = JSON.parse(
      await readFile(path.join(dataDir, 'processes', 'app_dd', 'process.json'), 'utf8'),
    );
    expect(record.pid).toBe(ctx.instance.runtimeProperties.pid);
  });

  it('start returns only once a slow process is ready', async () => {
    const { ctx } = await startApp({ env: { READY_DELAY: '700' } });
    expect(await tcpOpen(ctx.instance.runtimeProperties.port as number)).toBe(true);
  });

  it('a process that exits right away fails the start with the end of its log', async () => {
    const { ctx } = processContext({ env: { CRASH: '1' } });
    await op('process.create')(ctx);
    const failure = await op('process.start')(ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RecoverableError);
    expect((failure as Error).message).toContain('cannot start: config missing');
  });

  it('a process that never becomes ready fails the start and is stopped', async () => {
    const { ctx } = processContext({
      env: { READY_DELAY: '60000' },
      readiness: { type: 'http', path: '/', timeout: 0.5 },
    });
    await op('process.create')(ctx);
    const failure = await op('process.start')(ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RecoverableError);
    expect((failure as Error).message).toMatch(/did not become ready/);
    expect(processAlive(ctx.instance.runtimeProperties.pid as number)).toBe(false);
  });

  it('stop asks the process to exit with SIGTERM', async () => {
    const { ctx, logs } = await startApp();
    const pid = ctx.instance.runtimeProperties.pid as number;
    await op('process.stop')(ctx);
    expect(processAlive(pid)).toBe(false);
    expect(ctx.instance.runtimeProperties.pid).toBeUndefined();
    expect(logs.some((l) => l.message.startsWith('stopped node'))).toBe(true);
    expect(await readFile(ctx.instance.runtimeProperties.log_file as string, 'utf8')).toContain(
      'bye',
    );
  });

  it('stop kills a process that ignores SIGTERM once stop_timeout has passed', async () => {
    const { ctx, logs } = await startApp({ env: { IGNORE_TERM: '1' }, stop_timeout: 0.5 });
    const pid = ctx.instance.runtimeProperties.pid as number;
    const before = Date.now();
    await op('process.stop')(ctx);
    expect(Date.now() - before).toBeGreaterThanOrEqual(450);
    expect(processAlive(pid)).toBe(false);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('killed'))).toBe(true);
  });

  it('restart starts a new process on the same port', async () => {
    const { ctx } = await startApp();
    const { pid, port } = ctx.instance.runtimeProperties;
    await op('process.restart')(ctx);
    started.push(ctx.instance.runtimeProperties.pid as number);
    expect(ctx.instance.runtimeProperties.pid).not.toBe(pid);
    expect(ctx.instance.runtimeProperties.port).toBe(port);
    expect(processAlive(pid as number)).toBe(false);
    expect(await tcpOpen(port as number)).toBe(true);
  });

  it('check_status passes while the process runs and fails once it was killed', async () => {
    const { ctx } = await startApp();
    await expect(op('process.check_status')(ctx)).resolves.toMatchObject({ status: 'ok' });
    process.kill(ctx.instance.runtimeProperties.pid as number, 'SIGKILL');
    for (let i = 0; i < 100 && processAlive(ctx.instance.runtimeProperties.pid as number); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await expect(op('process.check_status')(ctx)).rejects.toBeInstanceOf(NonRecoverableError);
  });

  it('never signals a process whose pid was reused by another program', async () => {
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    await new Promise((r) => stranger.once('spawn', r));
    const pid = stranger.pid!;
    const record = { pid, startTime: '12345' };
    expect(isRunning(record)).toBe(false);
    const { ctx } = processContext({}, { runtimeProperties: { pid, pid_start_time: '12345' } });
    await op('process.stop')(ctx);
    expect(processAlive(pid)).toBe(true);
    stranger.kill('SIGKILL');
  });

  it('start does not start a second copy when ours is already running', async () => {
    const { ctx } = await startApp();
    const pid = ctx.instance.runtimeProperties.pid;
    await op('process.start')(ctx);
    expect(ctx.instance.runtimeProperties.pid).toBe(pid);
  });

  it('says how to install a command that is missing', async () => {
    const { ctx } = processContext({
      command: 'surely-not-installed-xyz',
      install_hint: 'Try: apt-get install xyz.',
    });
    const failure = await op('process.create')(ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NonRecoverableError);
    expect((failure as Error).message).toMatch(
      /'surely-not-installed-xyz' is not installed.*Try: apt-get install xyz\./,
    );
  });

  it('the host is this machine', async () => {
    const { ctx } = createTestContext({ nodeType: 'trellis.nodes.local.Host' });
    await op('host.create')(ctx);
    expect(ctx.instance.runtimeProperties.ip).toBe('127.0.0.1');
  });
});
