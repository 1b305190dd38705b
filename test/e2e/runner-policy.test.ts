/**
 * The metric-driven scale policy, watched from the UI: the offline example installed with
 * a short window, interval and cooldown; "Generate load" from the Metrics tab drives
 * requests through the balancer; the policy scales the service out (graph count, chart
 * mark, policy event), and back in once the load stops. Pausing policies is a toggle.
 * Screenshots: runner-30..33-*.png.
 */
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumPath,
  haveChromium,
  openRunner,
  shot,
  startRunnerHarness,
  uninstallAll,
  type RunnerHarness,
} from './runner-harness';

const haveRedis = (() => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
const canRun = haveChromium && haveRedis;
if (!canRun && process.env['CI'] !== 'true')
  console.warn(
    `\n*** SKIPPING the runner policy e2e test: need Chromium at ${chromiumPath} and redis-server on PATH ***\n`,
  );

const total = async (page: Page, node: string): Promise<number> =>
  Number(await page.locator(`[data-testid="live-node-${node}"]`).getAttribute('data-total'));
const tone = (page: Page, node: string): Promise<string | null> =>
  page.locator(`[data-testid="live-node-${node}"]`).getAttribute('data-tone');

/**
 * Short knobs so the test sees a scale-out and a scale-in within a minute or two. The
 * scale-in threshold sits above 1 request/s because each 1 s /metrics scrape is itself a
 * request the service counts: an idle instance shows ~1 request/s here.
 */
const inputs: Record<string, string> = {
  scale_up_rps: '5',
  scale_down_rps: '1.5',
  scale_window_seconds: '4',
  scale_cooldown_seconds: '4',
  scale_interval_seconds: '1',
  scale_min_instances: '2',
  scale_max_instances: '3',
};

describe.skipIf(!canRun && process.env['CI'] !== 'true')(
  'scale policy driven from the runner (trellis serve, offline example)',
  () => {
    let h: RunnerHarness;
    beforeAll(async () => {
      h = await startRunnerHarness({ metrics: { intervalMs: 1000 } });
    }, 180_000);
    afterAll(async () => {
      if (h) {
        await uninstallAll(h);
        await h.close();
      }
    }, 120_000);

    it('scales the service out under generated load and back in after it stops', async () => {
      const { page, errors } = await openRunner(h);
      await page.locator('[data-testid="new-deployment"]').click();
      const dialog = page.locator('[data-testid="create-deployment-dialog"]');
      await dialog.locator('[data-testid="input-scale_up_rps"]').waitFor();
      for (const [name, value] of Object.entries(inputs))
        await dialog.locator(`[data-testid="input-${name}"]`).fill(value);
      await dialog.locator('[data-testid="deployment-id"]').fill('autoscaled');
      await dialog.locator('[data-testid="create-deployment-submit"]').click();
      await page.locator('[data-testid="live-node-service"]').waitFor();
      await page.locator('[data-testid="install"]').click();
      await expect.poll(() => tone(page, 'service'), { timeout: 90_000, interval: 500 }).toBe('ok');
      await expect
        .poll(
          () =>
            page
              .locator('[data-testid="deployment-autoscaled"] [data-testid="deployment-status"]')
              .textContent(),
          { timeout: 30_000 },
        )
        .toBe('installed');
      expect(await total(page, 'service')).toBe(2);

      await page.locator('[data-testid="tab-metrics"]').click();
      await expect
        .poll(() => page.locator('[data-testid="metric-select"] option').allTextContents(), {
          timeout: 30_000,
        })
        .toContain('http_requests_total:rate');
      await page.locator('[data-testid="metric-select"]').selectOption('http_requests_total:rate');
      await page.locator('[data-testid="load-rps"]').fill('40');
      await page.locator('[data-testid="load-seconds"]').fill('120');
      await page.locator('[data-testid="generate-load"]').click();

      await expect.poll(() => total(page, 'service'), { timeout: 90_000, interval: 500 }).toBe(3);
      const decisions = await h.host.call('events.query', {
        deploymentId: 'autoscaled',
        types: ['policy'],
      });
      expect(
        decisions.ok &&
          decisions.value.some((e) => e.type === 'policy' && e.decision === 'scale_out'),
      ).toBe(true);
      await expect.poll(() => tone(page, 'service'), { timeout: 60_000, interval: 500 }).toBe('ok');
      await page.waitForTimeout(2500);
      await shot(page, '30-policy-scaled-out-light');

      await page.locator('[data-testid="stop-load"]').click();
      await expect.poll(() => total(page, 'service'), { timeout: 90_000, interval: 500 }).toBe(2);
      await page.locator('[data-testid="theme"]').selectOption('dark');
      await page.waitForTimeout(2500);
      await shot(page, '31-policy-scaled-in-dark');

      // Pausing policies is recorded on the deployment.
      await page.locator('[data-testid="pause-policies"]').check();
      await expect
        .poll(async () => {
          const d = await h.host.call('deployments.get', { deploymentId: 'autoscaled' });
          return d.ok && d.value.policiesPaused;
        })
        .toBe(true);
      await page.locator('[data-testid="tab-executions"]').click();
      await shot(page, '32-policy-executions-dark');
      expect(errors).toEqual([]);
    }, 300_000);
  },
);
