/**
 * Set-up of the runner e2e tests and the runner UI bench: the browser build (built once,
 * shared with the designer tests' builder), the real `trellis serve` with a real
 * EngineHost in a temp TRELLIS_HOME (kept, so tests can clean up deployments through it),
 * and headless Chromium.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve } from '../../engine/cli/commands/serve';
import type { EngineHost } from '../../engine/host/engine-host';
import { openHost, type OpenHostOptions } from '../../engine/host/open-host';
import type { RunningHostServer } from '../../engine/host/ws-server';
import { buildRenderer, chromiumPath, screenshotsDir } from './designer-harness';

export { chromiumPath, haveChromium, screenshotsDir } from './designer-harness';

/** The offline example the runner tests deploy. */
export const exampleFile = resolve('blueprints/local-microservices/blueprint.yaml');

export interface RunnerHarness {
  host: EngineHost;
  server: RunningHostServer;
  browser: Browser;
  home: string;
  close(): Promise<void>;
}

/** `hostOptions` go to openHost (e.g. a faster metrics interval). */
export async function startRunnerHarness(
  hostOptions: Omit<OpenHostOptions, 'home'> = {},
): Promise<RunnerHarness> {
  const staticDir = await buildRenderer();
  const home = mkdtempSync(join(tmpdir(), 'trellis-runner-home-'));
  const host = openHost({ ...hostOptions, home });
  const server = await serve({ host, staticDir, log: () => undefined });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--headless',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  mkdirSync(screenshotsDir, { recursive: true });
  return {
    host,
    server,
    browser,
    home,
    async close() {
      await browser.close();
      await server.close();
      await host.close();
    },
  };
}

/** Opens the app on the example blueprint and switches to the Runner tab. */
export async function openRunner(
  h: RunnerHarness,
  options: { dark?: boolean; file?: string; waitFor?: string } = {},
): Promise<{ page: Page; errors: string[] }> {
  const context = await h.browser.newContext({
    viewport: { width: 1600, height: 960 },
    colorScheme: options.dark ? 'dark' : 'light',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const file = options.file ?? exampleFile;
  await page.goto(`${h.server.url}&file=${encodeURIComponent(file)}`);
  await page.locator('[data-testid="designer"]').waitFor();
  await page.locator(`[data-testid="node-${options.waitFor ?? 'service'}"]`).waitFor();
  await page.getByRole('tab', { name: 'Runner' }).click();
  await page.locator('[data-testid="runner"]').waitFor();
  return { page, errors };
}

/** Screenshot into test-results/screenshots/runner-NAME.png. */
export function shot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(screenshotsDir, `runner-${name}.png`) });
}

/** Uninstalls every installed deployment through the host (test clean-up: no processes left). */
export async function uninstallAll(h: RunnerHarness): Promise<void> {
  const list = await h.host.call('deployments.list', {});
  for (const d of list.ok ? list.value : []) {
    if (d.status === 'created' || d.status === 'uninstalled') continue;
    const r = await h.host.call('executions.start', { deploymentId: d.id, workflow: 'uninstall' });
    if (!r.ok || !('id' in r.value)) continue;
    const id = r.value.id;
    for (let i = 0; i < 240; i++) {
      const x = await h.host.call('executions.get', { executionId: id });
      if (!x.ok || ['terminated', 'failed', 'cancelled'].includes(x.value.status)) break;
      await new Promise((res) => setTimeout(res, 250));
    }
  }
}
