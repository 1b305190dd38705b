/**
 * Shared set-up of the designer e2e tests: a fresh renderer build (vite.renderer.config.ts,
 * into a temp folder so other tests' builds are not disturbed), the real `trellis serve`
 * on 127.0.0.1 with a real EngineHost in a temp Trellis home, and headless Chromium.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { serve } from '../../engine/cli/commands/serve';
import { openHost } from '../../engine/host/open-host';
import type { RunningHostServer } from '../../engine/host/ws-server';

export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);
export const screenshotsDir = resolve('test-results/screenshots');

export interface Harness {
  browser: Browser;
  server: RunningHostServer;
  /** A scratch folder for blueprints the test saves. */
  workDir: string;
  close(): Promise<void>;
}

/** Builds the renderer once per process (the build takes ~15 s on two cores). */
let built: Promise<string> | undefined;
export function buildRenderer(): Promise<string> {
  built ??= (async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'trellis-designer-web-'));
    await build({ configFile: resolve('vite.renderer.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    return outDir;
  })();
  return built;
}

export async function startHarness(): Promise<Harness> {
  const staticDir = await buildRenderer();
  const home = mkdtempSync(join(tmpdir(), 'trellis-designer-home-'));
  const workDir = mkdtempSync(join(tmpdir(), 'trellis-designer-work-'));
  const host = openHost({ home });
  const server = await serve({ host, staticDir, log: () => undefined });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--headless', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  mkdirSync(screenshotsDir, { recursive: true });
  return {
    browser,
    server,
    workDir,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Opens the designer; collects page errors so tests can assert there were none. */
export async function openDesigner(h: Harness, options: { dark?: boolean; query?: string } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await h.browser.newContext({
    viewport: { width: 1600, height: 960 },
    colorScheme: options.dark ? 'dark' : 'light',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => {
    errors.push(e.message);
    if (process.env['DEBUG_E2E']) console.log('pageerror', e.message, e.stack);
  });
  await page.goto(h.server.url + (options.query ?? ''));
  await page.locator('[data-testid="designer"]').waitFor();
  await page.locator('.monaco-editor').waitFor();
  return { page, errors };
}

/** The text of the YAML pane (through Monaco's model, not the rendered lines). */
export function yamlText(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { trellisDesigner: { text(): string } }).trellisDesigner.text());
}
