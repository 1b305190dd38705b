/**
 * The runner end to end, in Chromium against `trellis serve` with a real engine in a temp
 * TRELLIS_HOME: deploy the offline example from the UI and install it until every node is
 * green; scale the service through the dialog and see the counts change; kill a service
 * process (pid from its runtime properties) and heal it; watch the event stream, the
 * execution timeline and the metric charts. Screenshots of each state, light and dark, go
 * to test-results/screenshots/runner-*.png.
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
if (!canRun && process.env['CI'] !== 'true') {
  console.warn(
    `\n*** SKIPPING the runner e2e tests: need Chromium at ${chromiumPath} and redis-server on PATH ***\n`,
  );
}

const tone = (page: Page, node: string): Promise<string | null> =>
  page.locator(`[data-testid="live-node-${node}"]`).getAttribute('data-tone');
const total = async (page: Page, node: string): Promise<number> =>
  Number(await page.locator(`[data-testid="live-node-${node}"]`).getAttribute('data-total'));
const nodes = ['datastore', 'datastore_metrics', 'balancer', 'service'];
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!canRun && process.env['CI'] !== 'true')(
  'the runner in Chromium (trellis serve, offline example)',
  () => {
    let h: RunnerHarness;
    beforeAll(async () => {
      h = await startRunnerHarness();
    }, 180_000);
    afterAll(async () => {
      // Leave no processes behind, whatever happened above.
      if (h) {
        await uninstallAll(h);
        await h.close();
      }
    }, 120_000);

    it('deploys and installs the example from the UI, scales it through the dialog, and heals a killed instance', async () => {
      const { page, errors } = await openRunner(h);
      await page.locator('text=No deployments yet').waitFor();
      await shot(page, '01-empty-light');

      // Create: the inputs form is generated from the blueprint and validated as you type.
      await page.locator('[data-testid="new-deployment"]').click();
      const dialog = page.locator('[data-testid="create-deployment-dialog"]');
      await dialog.locator('[data-testid="input-balancer_port"]').fill('eighty');
      await expect
        .poll(() => dialog.locator('[data-testid="input-error-balancer_port"]').textContent())
        .toBe('must be a whole number');
      expect(await dialog.locator('[data-testid="create-deployment-submit"]').isDisabled()).toBe(
        true,
      );
      await shot(page, '02-create-invalid');
      await dialog.locator('[data-testid="input-balancer_port"]').fill('');
      await dialog.locator('[data-testid="deployment-id"]').fill('shop');
      await dialog.locator('[data-testid="create-deployment-submit"]').click();
      await page.locator('[data-testid="deployment-shop"]').waitFor();
      await page.locator('[data-testid="live-node-service"]').waitFor();
      expect(
        await page
          .locator('[data-testid="deployment-shop"] [data-testid="deployment-status"]')
          .textContent(),
      ).toBe('created');

      // Dry run shows the task graph and runs nothing.
      await page.locator('[data-testid="dry-run"]').click();
      await page.locator('[data-testid="dry-run-dialog"]').waitFor();
      expect(await page.locator('[data-testid="dry-run-dialog"]').textContent()).toMatch(
        /\d+ tasks \(\d+ operations\) in \d+ steps\. Nothing was run\./,
      );
      await shot(page, '03-dry-run');
      await page.keyboard.press('Escape');

      // Install: every node turns green.
      await page.locator('[data-testid="install"]').click();
      await expect
        .poll(async () => (await Promise.all(nodes.map((n) => tone(page, n)))).join(','), {
          timeout: 90_000,
          interval: 250,
        })
        .toMatch(/busy|idle|ok/);
      await shot(page, '04-installing');
      await expect
        .poll(async () => (await Promise.all(nodes.map((n) => tone(page, n)))).join(','), {
          timeout: 90_000,
          interval: 500,
        })
        .toBe('ok,ok,ok,ok');
      expect(await total(page, 'service')).toBe(2);
      await expect
        .poll(
          () =>
            page
              .locator('[data-testid="deployment-shop"] [data-testid="deployment-status"]')
              .textContent(),
          { timeout: 10_000 },
        )
        .toBe('installed');
      await expect
        .poll(() => page.locator('[data-testid="deployment-outputs"]').textContent(), {
          timeout: 10_000,
        })
        .toMatch(/http:\/\/127\.0\.0\.1:\d+/);
      expect(
        Number(await page.locator('[data-testid="event-list"]').getAttribute('data-count')),
      ).toBeGreaterThan(20);
      await shot(page, '05-installed-light');

      // The designer shows the same live status on its nodes (the open blueprint is deployed).
      await page.getByRole('tab', { name: 'Designer' }).click();
      await expect
        .poll(() => page.locator('[data-testid="live-badge-service"]').textContent())
        .toBe('2/2');
      expect(
        await page.locator('[data-testid="live-badge-datastore"]').getAttribute('class'),
      ).toContain('tone-ok');
      await shot(page, '05b-designer-live-badges');
      await page.getByRole('tab', { name: 'Runner' }).click();

      // The execution history with its task timeline.
      await page.locator('[data-testid="tab-executions"]').click();
      await page.locator('[data-testid="timeline"] .gantt-bar').first().waitFor();
      expect(await page.locator('[data-testid="execution-install"] .xstatus').textContent()).toBe(
        'terminated',
      );
      await shot(page, '06-executions');
      await page.locator('[data-testid="tab-events"]').click();

      // Scale out through the dialog: current, min and max shown; the count changes.
      await page.locator('[data-testid="scale"]').click();
      const scale = page.locator('[data-testid="scale-dialog"]');
      await scale.locator('[data-testid="scale-target"]').selectOption('service');
      expect(await scale.locator('[data-testid="scale-bounds"]').textContent()).toMatch(
        /current 2.*min 1.*max 10/,
      );
      await scale.locator('[data-testid="scale-delta"]').fill('20');
      await expect.poll(() => scale.textContent()).toMatch(/max_instances is 10/);
      await scale.locator('[data-testid="scale-delta"]').fill('1');
      await shot(page, '07-scale-dialog');
      await scale.locator('[data-testid="scale-submit"]').click();
      await expect.poll(() => total(page, 'service'), { timeout: 60_000, interval: 250 }).toBe(3);
      await expect.poll(() => tone(page, 'service'), { timeout: 60_000, interval: 250 }).toBe('ok');

      // Scale back in, choosing which instance goes.
      await page.locator('[data-testid="live-node-service"]').click();
      await page.locator('[data-testid="node-details"]').waitFor();
      // The details panel loads its instance list asynchronously: wait for the third one.
      const instanceRows = page.locator(
        '[data-testid="node-details"] [data-testid^="instance-service_"]',
      );
      await expect.poll(() => instanceRows.count(), { timeout: 30_000, interval: 250 }).toBe(3);
      const ids = await instanceRows.evaluateAll((els) =>
        els.map((e) => e.getAttribute('data-testid')!.slice('instance-'.length)),
      );
      expect(ids).toHaveLength(3);
      await page.locator('[data-testid="scale"]').click();
      await scale.locator('[data-testid="scale-delta"]').fill('-1');
      await scale.locator(`label:has-text("${ids[0]}") input`).check();
      await scale.locator('[data-testid="scale-submit"]').click();
      await expect.poll(() => total(page, 'service'), { timeout: 60_000, interval: 250 }).toBe(2);
      await expect
        .poll(() => page.locator(`[data-testid="instance-${ids[0]}"]`).count(), { timeout: 10_000 })
        .toBe(0);

      // Kill a service process (pid from its runtime properties) and heal it.
      const victim = ids[1]!;
      const pidCell = page.locator(`[data-testid="rp-${victim}-pid"]`);
      await pidCell.waitFor();
      const pid = Number(await pidCell.textContent());
      expect(alive(pid)).toBe(true);
      await shot(page, '08-node-details');
      process.kill(pid, 'SIGKILL');
      await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
      await page.locator(`[data-testid="instance-${victim}"] button:has-text("Heal")`).click();
      const heal = page.locator('[data-testid="heal-dialog"]');
      expect(await heal.locator('[data-testid="heal-instance"]').inputValue()).toBe(victim);
      await shot(page, '09-heal-dialog');
      await heal.locator('[data-testid="heal-submit"]').click();
      await expect
        .poll(async () => Number(await pidCell.textContent()), { timeout: 60_000, interval: 250 })
        .not.toBe(pid);
      const newPid = Number(await pidCell.textContent());
      expect(alive(newPid)).toBe(true);
      await expect.poll(() => tone(page, 'service'), { timeout: 30_000 }).toBe('ok');
      await shot(page, '10-healed');

      // The event stream filters by text and level.
      await page.locator('[data-testid="event-search"]').fill('heal');
      await expect
        .poll(async () =>
          Number(await page.locator('[data-testid="event-list"]').getAttribute('data-count')),
        )
        .toBeGreaterThan(0);
      const rows = await page.locator('[data-testid="event-list"] .ev-msg').allTextContents();
      expect(rows.every((r) => r.toLowerCase().includes('heal'))).toBe(true);
      await page.locator('[data-testid="event-search"]').fill('');

      // Metrics (when the metrics engine collects): the chart or its empty state, never an error.
      await page.locator('[data-testid="tab-metrics"]').click();
      await page.locator('[data-testid="metrics"]').waitFor();
      await page.waitForTimeout(2500);
      await shot(page, '11-metrics-light');

      // Dark theme.
      await page.locator('[data-testid="theme"]').selectOption('dark');
      await shot(page, '12-metrics-dark');
      await page.locator('[data-testid="tab-events"]').click();
      await shot(page, '13-installed-dark');
      await page.locator('[data-testid="tab-executions"]').click();
      await shot(page, '14-executions-dark');

      // Uninstall is confirmed first; afterwards nothing runs and the deployment can be deleted.
      await page.locator('[data-testid="uninstall"]').click();
      await page.locator('[data-testid="confirm-dialog"]').waitFor();
      await shot(page, '15-confirm-uninstall-dark');
      await page.locator('[data-testid="confirm-ok"]').click();
      await expect
        .poll(
          () =>
            page
              .locator('[data-testid="deployment-shop"] [data-testid="deployment-status"]')
              .textContent(),
          { timeout: 60_000, interval: 250 },
        )
        .toBe('uninstalled');
      expect(alive(newPid)).toBe(false);
      await page.locator('[data-testid="delete-deployment"]').click();
      await page.locator('[data-testid="confirm-ok"]').click();
      await page.locator('text=No deployments yet').waitFor();
      expect(errors).toEqual([]);
    }, 300_000);
  },
);
