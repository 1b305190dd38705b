import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostEvent, HostWireMessage } from '../../engine/host/contract';
import { PortSecretStore, serveHostOverPort, type EngineToMain, type PortLike } from '../../engine/host/ws-engine-port';
import { EngineClient } from '../../electron/engine-client';
import { findInterrupted, RestartPolicy } from '../../electron/restart-policy';
import { MemoryHost } from '../engine/host/memory-host';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

/** Node's MessagePort delivers the data itself; Electron's parentPort wraps it in {data}. */
function asParentPort(port: MessagePort): PortLike {
  return {
    postMessage: (m) => port.postMessage(m),
    on: (_event, listener) => port.on('message', (data: unknown) => listener({ data })),
  };
}

/** Starts an "engine" on a fresh channel and attaches the client to it, as the supervisor does. */
function startEngine(client: EngineClient, host: MemoryHost) {
  const { port1: mainSide, port2: engineSide } = new MessageChannel();
  ports.push(mainSide, engineSide);
  const session = serveHostOverPort(asParentPort(engineSide), host);
  mainSide.on('message', (m: EngineToMain) => client.receive(m as HostWireMessage));
  client.attach({ postMessage: (m) => mainSide.postMessage(m) });
  return {
    kill: () => {
      session.close();
      mainSide.close();
      client.detach('the engine stopped (exit code 1)');
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('main talking to the engine process', () => {
  it('calls through the port, validated on the engine side', async () => {
    const host = new MemoryHost();
    const client = new EngineClient();
    startEngine(client, host);
    expect((await client.call('host.info', {})).ok).toBe(true);
    expect(await client.call('files.read', { path: 7 } as unknown as { path: string })).toMatchObject({
      ok: false,
      error: { code: 'invalid-params', message: 'files.read: params.path must be string' },
    });
  });

  it('survives an engine restart: in-flight calls fail, waiting calls run, events resume after the last seq', async () => {
    const host = new MemoryHost();
    const client = new EngineClient();
    const engine = startEngine(client, host);
    const seen: HostEvent[] = [];
    client.subscribe({}, (batch) => seen.push(...batch));
    await until(() => host.listenerCount() === 1, 'the subscription');
    host.emit(3);
    await until(() => seen.length === 3, 'first events');

    host.call = () => new Promise(() => undefined); // the engine hangs on this call...
    const inFlight = client.call('host.info', {});
    await new Promise((r) => setTimeout(r, 20));
    engine.kill(); // ...and dies
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'unavailable' } });

    const restarted = new MemoryHost();
    restarted.events.push(...host.events); // same store on disk
    restarted.emit(2); // written by the new engine before the window re-subscribed
    const waiting = client.call('host.info', {}); // made while no engine runs
    startEngine(client, restarted);
    expect((await waiting).ok).toBe(true);
    await until(() => seen.length >= 5, 'replayed events');
    restarted.emit(1);
    await until(() => seen.length >= 6, 'live events');
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('tells subscriptions about engine deaths without moving their resume point', async () => {
    const host = new MemoryHost();
    const client = new EngineClient();
    const engine = startEngine(client, host);
    const all: HostEvent[] = [];
    const logsOnly: HostEvent[] = [];
    client.subscribe({}, (batch) => all.push(...batch));
    client.subscribe({ types: ['log'] }, (batch) => logsOnly.push(...batch));
    await until(() => host.listenerCount() === 2, 'the subscriptions');
    host.emit(2);
    await until(() => all.length === 2 && logsOnly.length === 2, 'events');
    engine.kill();
    client.notifyEngine('restarting', 'The engine stopped (exit code 1); restarting.');
    expect(all.at(-1)).toMatchObject({ type: 'engine', state: 'restarting', seq: 2, level: 'error' });
    expect(logsOnly).toHaveLength(2);
    const restarted = new MemoryHost();
    restarted.events.push(...host.events);
    restarted.emit(1);
    startEngine(client, restarted);
    await until(() => all.some((e) => e.seq === 3), 'the event after the restart');
    expect(all.filter((e) => e.type === 'log').map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('fails calls fast while the engine is down, and serves them again after a restart', async () => {
    const client = new EngineClient();
    const waiting = client.call('host.info', {});
    client.markDown('the engine stopped (exit code 1) and was not restarted');
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await client.call('host.info', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    startEngine(client, new MemoryHost());
    expect((await client.call('host.info', {})).ok).toBe(true);
  });

  it('fails everything once the supervisor gives up', async () => {
    const client = new EngineClient();
    const waiting = client.call('host.info', {});
    client.close('the engine crashed repeatedly');
    expect(await waiting).toEqual({ ok: false, error: { code: 'unavailable', message: 'the engine crashed repeatedly' } });
  });

  it('lets the engine read secrets that main holds', async () => {
    const { port1: mainSide, port2: engineSide } = new MessageChannel();
    ports.push(mainSide, engineSide);
    const held = new Map([['db_password', 's3cret']]);
    mainSide.on('message', (m: EngineToMain) => {
      if (m.kind === 'secret-get') mainSide.postMessage({ kind: 'secret-reply', id: m.id, ok: true, value: held.get(m.name) });
      if (m.kind === 'secret-set') mainSide.postMessage({ kind: 'secret-reply', id: m.id, ok: false, error: 'keychain locked' });
    });
    const store = new PortSecretStore(asParentPort(engineSide));
    serveHostOverPort(asParentPort(engineSide), new MemoryHost(), (reply) => store.receive(reply));
    expect(await store.get('db_password')).toBe('s3cret');
    expect(await store.get('missing')).toBeUndefined();
    await expect(store.set('x', 'y')).rejects.toThrow('keychain locked');
  });
});

describe('engine restart policy', () => {
  it('restarts at once, then backs off, and gives up on a crash loop', () => {
    const policy = new RestartPolicy({ baseDelayMs: 100, maxDelayMs: 1000, maxDeaths: 4, windowMs: 60_000 });
    expect([0, 1, 2, 3].map((i) => policy.onDeath(i * 10))).toEqual([0, 100, 200, 400]);
    expect(policy.onDeath(50)).toBeNull();
    policy.reset();
    expect(policy.onDeath(60)).toBe(0);
  });

  it('forgets deaths older than the window', () => {
    const policy = new RestartPolicy({ maxDeaths: 2, windowMs: 1000 });
    policy.onDeath(0);
    policy.onDeath(100);
    expect(policy.onDeath(5000)).toBe(0);
  });
});

describe('offering interrupted executions for resume', () => {
  it('offers the executions the dead engine interrupted, not older failures', () => {
    const diedAt = '2026-01-01T10:00:00.000Z';
    const executions = [
      { id: 'a', status: 'failed', error: 'interrupted: the engine stopped while install was running', endedAt: '2026-01-01T10:00:01.000Z' },
      { id: 'b', status: 'failed', error: 'interrupted: the engine stopped while scale was running', endedAt: '2025-12-31T09:00:00.000Z' },
      { id: 'c', status: 'failed', error: 'create failed: quota exceeded', endedAt: '2026-01-01T10:00:02.000Z' },
      { id: 'd', status: 'terminated', endedAt: '2026-01-01T10:00:03.000Z' },
    ];
    expect(findInterrupted(executions, diedAt).map((e) => e.id)).toEqual(['a']);
  });
});
