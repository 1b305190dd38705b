import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HostEvent, HostWireMessage, HostWireRequest } from '../../../engine/host/contract';
import { startHostServer, tokenSubprotocolPrefix, type RunningHostServer } from '../../../engine/host/ws-server';
import { createEngineHost } from '../../../engine/host/engine-host';
import { MemoryHost } from './memory-host';

let host: MemoryHost;
let server: RunningHostServer;
let staticDir: string;
const open: WebSocket[] = [];

beforeEach(async () => {
  host = new MemoryHost();
  staticDir = mkdtempSync(join(tmpdir(), 'trellis-ws-'));
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Trellis</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'trellis-ws-secret.txt'), 'outside');
  server = await startHostServer({ host, staticDir });
});

afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  await server.close();
});

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    open.push(ws);
    ws.on('open', () => resolve(101));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

class Client {
  readonly messages: HostWireMessage[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as HostWireMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
  static async connect(s: RunningHostServer): Promise<Client> {
    const ws = new WebSocket(`${s.wsUrl}?token=${s.token}`, { origin: `http://127.0.0.1:${s.port}` });
    open.push(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new Client(ws);
  }
  send(request: HostWireRequest | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(request));
  }
  async until<T extends HostWireMessage>(pick: (m: HostWireMessage) => m is T, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pick);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 50);
      });
    }
  }
  result(id: number) {
    return this.until((m): m is Extract<HostWireMessage, { kind: 'result' }> => m.kind === 'result' && m.id === id);
  }
  events(id: number): HostEvent[] {
    return this.messages.flatMap((m) => (m.kind === 'events' && m.id === id ? m.batch : []));
  }
}

describe('the serve WebSocket endpoint', () => {
  it('listens on the loopback address only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('gives every start its own random token', async () => {
    const second = await startHostServer({ host });
    try {
      expect(second.token).not.toBe(server.token);
      expect(second.token.length).toBeGreaterThanOrEqual(43);
    } finally {
      await second.close();
    }
  });

  it('refuses an upgrade without a token with 401', async () => {
    expect(await upgradeStatus(server.wsUrl, { origin: `http://127.0.0.1:${server.port}` })).toBe(401);
  });

  it('refuses an upgrade with a wrong token with 401', async () => {
    const wrong = `${server.wsUrl}?token=${'x'.repeat(server.token.length)}`;
    expect(await upgradeStatus(wrong, { origin: `http://127.0.0.1:${server.port}` })).toBe(401);
  });

  it('refuses an upgrade from another origin with 403, even with the token', async () => {
    const url = `${server.wsUrl}?token=${server.token}`;
    expect(await upgradeStatus(url, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
  });

  it('refuses a request naming another Host (DNS rebinding) with 403', async () => {
    const url = `${server.wsUrl}?token=${server.token}`;
    expect(await upgradeStatus(url, { headers: { Host: `attacker.example:${server.port}` } })).toBe(403);
  });

  it('accepts the token as a subprotocol and echoes it', async () => {
    const ws = new WebSocket(server.wsUrl, [`${tokenSubprotocolPrefix}${server.token}`], {
      origin: `http://localhost:${server.port}`,
    });
    open.push(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe(`${tokenSubprotocolPrefix}${server.token}`);
  });

  it('carries a method call to the host and its result back', async () => {
    host.files.set('/bp/app.yaml', 'tosca_definitions_version: cloudify_dsl_1_5\n');
    const client = await Client.connect(server);
    client.send({ kind: 'call', id: 1, method: 'host.info', params: {} });
    client.send({ kind: 'call', id: 2, method: 'files.read', params: { path: '/bp/app.yaml' } });
    client.send({ kind: 'call', id: 3, method: 'files.read', params: { path: '/nope' } });
    expect((await client.result(1)).result).toEqual({
      ok: true,
      value: { version: 'test', home: '/tmp/trellis-test', plugins: ['local'] },
    });
    expect((await client.result(2)).result).toEqual({
      ok: true,
      value: { path: '/bp/app.yaml', text: 'tosca_definitions_version: cloudify_dsl_1_5\n' },
    });
    expect((await client.result(3)).result).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('rejects invalid params with the validation message and never calls the host', async () => {
    const client = await Client.connect(server);
    client.send({ kind: 'call', id: 7, method: 'files.write', params: { path: '/x' } });
    client.send({ kind: 'call', id: 8, method: 'files.read', params: { path: '/x', mode: 'raw' } });
    client.send({ kind: 'call', id: 9, method: 'files.read', params: { path: 42 } });
    const missing = await client.result(7);
    expect(missing.result).toEqual({
      ok: false,
      error: { code: 'invalid-params', message: "files.write: params must have required property 'text'" },
    });
    expect((await client.result(8)).result).toMatchObject({
      ok: false,
      error: { code: 'invalid-params', message: "files.read: params has unknown property 'mode'" },
    });
    expect((await client.result(9)).result).toMatchObject({
      ok: false,
      error: { code: 'invalid-params', message: 'files.read: params.path must be string' },
    });
    expect(host.calls).toBe(0);
  });

  it('answers an unknown method and malformed frames without dropping the connection', async () => {
    const client = await Client.connect(server);
    client.send({ kind: 'call', id: 4, method: 'process.exit', params: {} });
    expect((await client.result(4)).result).toEqual({
      ok: false,
      error: { code: 'invalid-params', message: 'unknown method "process.exit"' },
    });
    client.ws.send('{not json');
    await client.until((m): m is Extract<HostWireMessage, { kind: 'error' }> => m.kind === 'error');
    client.send({ kind: 'call', id: 5, method: 'host.info', params: {} });
    expect((await client.result(5)).result.ok).toBe(true);
  });

  it('reports a host that throws as an internal error instead of crashing', async () => {
    const client = await Client.connect(server);
    client.send({ kind: 'call', id: 6, method: 'deployments.list', params: {} });
    expect((await client.result(6)).result).toEqual({
      ok: false,
      error: { code: 'internal', message: 'the store is gone' },
    });
  });

  it('delivers stored events after the given seq, then live ones, in few batches', async () => {
    host.emit(10);
    const client = await Client.connect(server);
    client.send({ kind: 'subscribe', id: 1, filter: { afterSeq: 4 } });
    await client.until((m): m is HostWireMessage => m.kind === 'events');
    for (let i = 0; i < 50; i += 1) host.emit(10);
    const deadline = Date.now() + 5000;
    while (client.events(1).length < 506 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seqs = client.events(1).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 506 }, (_, i) => i + 5));
    const batches = client.messages.filter((m) => m.kind === 'events').length;
    // 51 host batches arrived within one flush interval: they go out coalesced.
    expect(batches).toBeLessThan(10);
  });

  it('stops delivering after unsubscribe and when the socket closes', async () => {
    const client = await Client.connect(server);
    client.send({ kind: 'subscribe', id: 2, filter: { types: ['log'] } });
    const deadline = Date.now() + 2000;
    while (host.listenerCount() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(host.listenerCount()).toBe(1);
    client.send({ kind: 'unsubscribe', id: 2 });
    while (host.listenerCount() === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(host.listenerCount()).toBe(0);
    client.send({ kind: 'subscribe', id: 3, filter: {} });
    while (host.listenerCount() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    client.ws.close();
    while (host.listenerCount() === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(host.listenerCount()).toBe(0);
  });
});

describe('the serve page', () => {
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${server.port}${path}`, { headers });

  it('refuses the page without the token (401) and with a wrong one (401)', async () => {
    const none = await get('/');
    expect(none.status).toBe(401);
    expect(await none.text()).toContain('token is required');
    expect((await get('/?token=nope')).status).toBe(401);
  });

  it('serves the page with the token, a strict CSP, and a cookie for its assets', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Trellis</title>');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = await get('/assets/app.js', { Cookie: cookie.split(';')[0]! });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await get('/assets/app.js')).status).toBe(401);
  });

  it('serves nothing outside the renderer build', async () => {
    const res = await get(`/..%2F${'trellis-ws-secret.txt'}?token=${server.token}`);
    expect(res.status).toBe(404);
  });
});

describe('the serve WebSocket endpoint in front of a real EngineHost', () => {
  it('round-trips calls through the engine, its own validation included', async () => {
    const home = mkdtempSync(join(tmpdir(), 'trellis-ws-home-'));
    const bpDir = mkdtempSync(join(tmpdir(), 'trellis-ws-bp-'));
    writeFileSync(join(bpDir, 'app.yaml'), 'tosca_definitions_version: cloudify_dsl_1_5\n');
    const engine = createEngineHost({ home, plugins: [] });
    const real = await startHostServer({ host: engine });
    try {
      const client = await Client.connect(real);
      client.send({ kind: 'call', id: 1, method: 'host.info', params: {} });
      client.send({ kind: 'call', id: 2, method: 'files.read', params: { path: join(bpDir, 'app.yaml') } });
      client.send({ kind: 'call', id: 3, method: 'deployments.get', params: { deploymentId: 'nope' } });
      const info = await client.result(1);
      expect(info.result).toMatchObject({ ok: true, value: { home } });
      expect((await client.result(2)).result).toEqual({
        ok: true,
        value: { path: join(bpDir, 'app.yaml'), text: 'tosca_definitions_version: cloudify_dsl_1_5\n' },
      });
      expect((await client.result(3)).result).toMatchObject({ ok: false, error: { code: 'not-found' } });
    } finally {
      await real.close();
      await engine.close();
    }
  });
});

describe('dead connections', () => {
  it('drops a client that stops answering pings, and its subscriptions with it', async () => {
    const host = new MemoryHost();
    const quick = await startHostServer({ host, heartbeatMs: 50 });
    try {
      const ws = new WebSocket(`${quick.wsUrl}?token=${quick.token}`, { autoPong: false });
      open.push(ws);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ kind: 'subscribe', id: 1, filter: {} }));
      const deadline = Date.now() + 3000;
      while (host.listenerCount() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(host.listenerCount()).toBe(1);
      const closed = new Promise((resolve) => ws.once('close', resolve));
      await closed;
      while (host.listenerCount() === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(host.listenerCount()).toBe(0);
      expect(quick.connections()).toBe(0);
    } finally {
      await quick.close();
    }
  });
});
