import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLoopbackUrl, startLoad } from '../../../engine/metrics/load-generator';
import { createEngineHost } from '../../../engine/host/engine-host';
import type { HostResult } from '../../../engine/host/contract';

describe('load generator', () => {
  let server: Server;
  let url: string;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends rps x seconds requests, then ends and reports them', async () => {
    hits = 0;
    const run = startLoad(url, 50, 1);
    const stats = await run.done;
    expect(stats).toEqual({ sent: 50, ok: 50, failed: 0 });
    expect(hits).toBe(50);
  });

  it('stops early when asked', async () => {
    const run = startLoad(url, 100, 10);
    await new Promise((r) => setTimeout(r, 200));
    run.stop();
    const stats = await run.done;
    expect(stats.sent).toBeGreaterThan(0);
    expect(stats.sent).toBeLessThan(100);
  });

  it('goes to this machine only, over http(s), within its bounds', () => {
    expect(checkLoopbackUrl('http://127.0.0.1:8080/x').port).toBe('8080');
    expect(checkLoopbackUrl('http://localhost/').hostname).toBe('localhost');
    expect(() => checkLoopbackUrl('http://10.0.0.1/')).toThrow(/this machine only/);
    expect(() => checkLoopbackUrl('http://example.org/')).toThrow(/this machine only/);
    expect(() => checkLoopbackUrl('ftp://127.0.0.1/')).toThrow(/http\(s\)/);
    expect(() => startLoad(url, 501, 1)).toThrow(/rps/);
    expect(() => startLoad(url, 1, 601)).toThrow(/seconds/);
  });

  it('is refused by the host for an unknown or not installed deployment, and for out-of-range params', async () => {
    const home = mkdtempSync(join(tmpdir(), 'trellis-load-'));
    const host = createEngineHost({ home, plugins: [], metrics: { autoStart: false } });
    try {
      const code = (r: HostResult<unknown>) => (r.ok ? 'ok' : r.error.code);
      expect(code(await host.call('load.generate', { deploymentId: 'nope', rps: 1, seconds: 1 }))).toBe('not-found');
      expect(code(await host.call('load.generate', { deploymentId: 'nope', rps: 10_000, seconds: 1 }))).toBe('invalid-params');
      expect(code(await host.call('metrics.query', { deploymentId: 'nope', metric: 'up', from: 0, to: 1 }))).toBe('not-found');
    } finally {
      await host.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
