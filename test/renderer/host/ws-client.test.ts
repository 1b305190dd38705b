import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HostEvent } from '../../../engine/host/contract';
import { startHostServer, type RunningHostServer } from '../../../engine/host/ws-server';
import { WsHostClient, wsUrlFromLocation, type ConnectionState, type SocketLike } from '../../../renderer/host';
import { MemoryHost } from '../../engine/host/memory-host';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function clientFor(server: RunningHostServer): WsHostClient {
  const client = new WsHostClient({
    url: `${server.wsUrl}?token=${server.token}`,
    // Node's `ws` speaks the same onopen/onmessage interface as the browser's WebSocket.
    createSocket: (url) => new WebSocket(url, { origin: `http://127.0.0.1:${server.port}` }) as unknown as SocketLike,
    reconnectDelayMs: 20,
  });
  cleanups.push(() => client.dispose());
  return client;
}

describe('the browser host client', () => {
  it('builds the WebSocket URL from the page URL and its token', () => {
    expect(wsUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:4567', search: '?token=abc_-1' })).toBe(
      'ws://127.0.0.1:4567/ws?token=abc_-1',
    );
  });

  it('calls host methods and returns their results as data', async () => {
    const host = new MemoryHost();
    const server = await startHostServer({ host });
    cleanups.push(() => server.close());
    const client = clientFor(server);
    expect(await client.call('host.info', {})).toEqual({
      ok: true,
      value: { version: 'test', home: '/tmp/trellis-test', plugins: ['local'] },
    });
    const bad = await client.call('files.read', {} as { path: string });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
  });

  it('reconnects after the server restarts and resumes each subscription after the last seq it saw', async () => {
    const host = new MemoryHost();
    let server = await startHostServer({ host });
    const { port, token } = server;
    cleanups.push(() => server.close());
    const client = clientFor(server);
    const states: ConnectionState[] = [];
    client.onConnectionState((s) => states.push(s));
    const got: HostEvent[] = [];
    client.subscribe({}, (batch) => got.push(...batch));
    await until(() => host.listenerCount() === 1, 'the subscription');
    host.emit(5);
    await until(() => got.length === 5, 'the first five events');

    await server.close();
    await until(() => states.includes('reconnecting'), 'the client to notice');
    host.emit(5); // stored while nobody listens
    const pendingCall = client.call('host.info', {});
    server = await startHostServer({ host, port, token });
    await until(() => got.length >= 10, 'the replayed events');
    expect((await pendingCall).ok).toBe(true);
    host.emit(2);
    await until(() => got.length >= 12, 'live events after the reconnect');
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(states).toEqual(['open', 'reconnecting', 'open']);
  });

  it('fails a call in flight when the connection drops instead of hanging', async () => {
    const host = new MemoryHost();
    const server = await startHostServer({ host });
    const client = clientFor(server);
    await client.call('host.info', {});
    // A host call that never answers, then the server goes away.
    host.call = () => new Promise(() => undefined);
    const stuck = client.call('host.info', {});
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    expect(await stuck).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });
});
