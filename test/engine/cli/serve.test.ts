/**
 * `trellis serve` end to end in a real Chromium: the built renderer loads with the token
 * and talks to the host over the WebSocket; without the token, or from another origin,
 * nothing is served.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStaticDir, serve } from '../../../engine/cli/commands/serve';
import type { RunningHostServer } from '../../../engine/host/ws-server';
import { openHost } from '../../../engine/host/open-host';
import type { EngineHost } from '../../../engine/host/engine-host';

const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env['CI'] !== 'true') {
  console.warn(`\n*** SKIPPING the serve e2e test: no Chromium at ${chromiumPath} (apt-get install -y chromium) ***\n`);
}
const artifacts = resolve('test-results/serve');

describe.skipIf(!haveChromium && process.env['CI'] !== 'true')('trellis serve in Chromium', () => {
  let browser: Browser;
  let server: RunningHostServer;
  let other: Server;
  const home = mkdtempSync(join(tmpdir(), 'trellis-serve-e2e-'));
  let host: EngineHost;

  beforeAll(async () => {
    if (!existsSync(join(defaultStaticDir, 'index.html'))) {
      // CI builds out/ before the tests; a fresh checkout builds the renderer here.
      await build({ configFile: resolve('vite.renderer.config.ts'), logLevel: 'warn' });
    }
    host = openHost({ home });
    server = await serve({ host, log: () => undefined });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    // A page of another origin on the same machine, to try the WebSocket from.
    other = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>other</title>'));
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', done));
    mkdirSync(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await host?.close();
    await new Promise((done) => other?.close(done));
  });

  it('loads the designer with the token and reaches the host over the WebSocket', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const example = resolve('blueprints/local-microservices/blueprint.yaml');
    const response = await page.goto(`${server.url}&file=${encodeURIComponent(example)}`);
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.title()).toContain('Trellis');
    // The page's own scripts came from the server (cookie auth) and ran.
    await expect.poll(() => page.evaluate(() => document.getElementById('root')?.childElementCount ?? 0)).toBeGreaterThan(0);
    // The same WebSocket the renderer's client uses, opened by the page: origin, CSP and token all pass.
    const info = await page.evaluate(async () => {
      const token = new URLSearchParams(location.search).get('token');
      const ws = new WebSocket(`ws://${location.host}/ws?token=${token}`);
      return new Promise<unknown>((done, fail) => {
        ws.onopen = () => ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'host.info', params: {} }));
        ws.onmessage = (e) => done(JSON.parse(String(e.data)));
        ws.onerror = () => fail(new Error('socket failed'));
      });
    });
    expect(info).toMatchObject({ kind: 'result', id: 1, result: { ok: true, value: { home } } });
    await page.waitForTimeout(1500); // let the designer lay out the example before the picture
    await page.screenshot({ path: join(artifacts, 'serve-with-token.png') });
    expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
    await page.close();
  });

  it('refuses the page without the token', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`http://127.0.0.1:${server.port}/`);
    expect(response?.status()).toBe(401);
    expect(await page.textContent('body')).toContain('token is required');
    await page.screenshot({ path: join(artifacts, 'serve-without-token.png') });
    await page.close();
  });

  it('refuses a WebSocket from a page of another origin, even one that knows the token', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
    const outcome = await page.evaluate(async (url) => {
      const ws = new WebSocket(url);
      return new Promise<string>((done) => {
        ws.onopen = () => done('open');
        ws.onclose = () => done('closed');
      });
    }, `${server.wsUrl}?token=${server.token}`);
    expect(outcome).toBe('closed');
    await page.close();
  });
});
