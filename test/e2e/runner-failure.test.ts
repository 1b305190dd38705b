/**
 * The runner when things fail, in Chromium against `trellis serve`: an install whose
 * script fails shows the node red with the error, the node that waits for it stays
 * uninitialized, the execution is failed with Resume offered (and resuming retries the
 * failed task), the error filter shows only errors, and a failed deployment is deleted
 * only after a force confirmation. Screenshots: runner-20..24-*.png.
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumPath,
  haveChromium,
  openRunner,
  shot,
  startRunnerHarness,
  type RunnerHarness,
} from './runner-harness';

if (!haveChromium && process.env['CI'] !== 'true')
  console.warn(`\n*** SKIPPING the runner failure e2e tests: no Chromium at ${chromiumPath} ***\n`);

const fixture = resolve('test/e2e/fixtures/runner-failing/blueprint.yaml');
const tone = (page: Page, node: string): Promise<string | null> =>
  page.locator(`[data-testid="live-node-${node}"]`).getAttribute('data-tone');

describe.skipIf(!haveChromium && process.env['CI'] !== 'true')(
  'the runner showing failures (trellis serve)',
  () => {
    let h: RunnerHarness;
    beforeAll(async () => {
      h = await startRunnerHarness();
    }, 180_000);
    afterAll(async () => {
      await h?.close();
    });

    it('shows a failed install in red with its error, offers Resume, filters errors, and force-deletes only after confirmation', async () => {
      const { page, errors } = await openRunner(h, { file: fixture, waitFor: 'broken' });
      await page.locator('[data-testid="new-deployment"]').click();
      const dialog = page.locator('[data-testid="create-deployment-dialog"]');
      await dialog.locator('[data-testid="input-reason"]').fill('ab');
      await expect
        .poll(() => dialog.locator('[data-testid="input-error-reason"]').textContent())
        .toBe('must be at least 3 long');
      await dialog.locator('[data-testid="input-reason"]').fill('no space left on device');
      await dialog.locator('[data-testid="deployment-id"]').fill('broken-app');
      await dialog.locator('[data-testid="create-deployment-submit"]').click();
      await page.locator('[data-testid="live-node-broken"]').waitFor();

      await page.locator('[data-testid="install"]').click();
      await expect.poll(() => tone(page, 'broken'), { timeout: 30_000 }).toBe('error');
      await expect.poll(() => tone(page, 'fine'), { timeout: 30_000 }).toBe('ok');
      expect(await tone(page, 'after')).toBe('idle');
      expect(
        await page.locator('[data-testid="live-node-broken"] .lnode-error').textContent(),
      ).toContain('no space left on device');
      await expect
        .poll(
          () =>
            page
              .locator('[data-testid="deployment-broken-app"] [data-testid="deployment-status"]')
              .textContent(),
          { timeout: 10_000 },
        )
        .toMatch(/failed|partial/);
      await page.locator('[data-testid="live-node-broken"]').click();
      await page.locator('[data-testid="node-details"] .rerr').first().waitFor();
      await shot(page, '20-failed-light');

      // Only errors.
      for (const level of ['debug', 'info', 'warn'])
        await page.locator(`[data-testid="event-stream"] label.lv-${level} input`).uncheck();
      await expect
        .poll(async () =>
          Number(await page.locator('[data-testid="event-list"]').getAttribute('data-count')),
        )
        .toBeGreaterThan(0);
      const levels = await page.locator('[data-testid="event-list"] .ev-level').allTextContents();
      expect(new Set(levels)).toEqual(new Set(['error']));
      await shot(page, '21-error-filter');
      // Copy puts exactly the filtered events on the clipboard, one line each.
      await page.locator('[data-testid="event-stream"] button:has-text("Copy")').click();
      const copied = await page.evaluate<string>('navigator.clipboard.readText()');
      const lines = copied.split('\n');
      expect(lines).toHaveLength(
        Number(await page.locator('[data-testid="event-list"]').getAttribute('data-count')),
      );
      expect(lines.every((l) => / ERROR /.test(l))).toBe(true);
      expect(copied).toContain('no space left on device');

      // The failed execution offers Resume; resuming retries the failed task (which fails again).
      await page.locator('[data-testid="tab-executions"]').click();
      await page.locator('[data-testid="execution-install"] .xs-failed').first().waitFor();
      await page.locator('[data-testid="theme"]').selectOption('dark');
      await page.locator('[data-testid="timeline"] .gantt-bar.ts-failed').first().waitFor();
      await shot(page, '22-failed-executions-dark');
      const failedTasksBefore = await h.host.call('events.query', {
        deploymentId: 'broken-app',
        levels: ['error'],
        types: ['task'],
      });
      await page.locator('[data-testid="resume-execution"]').first().click();
      await expect
        .poll(
          async () => {
            const r = await h.host.call('events.query', {
              deploymentId: 'broken-app',
              levels: ['error'],
              types: ['task'],
            });
            return r.ok && failedTasksBefore.ok
              ? r.value.length - failedTasksBefore.value.length
              : 0;
          },
          { timeout: 30_000 },
        )
        .toBeGreaterThan(0);
      await page.locator('[data-testid="tab-events"]').click();
      await shot(page, '23-failed-dark');

      // Deleting a failed (partly installed) deployment needs the force confirmation.
      await page.locator('[data-testid="delete-deployment"]').click();
      const confirm = page.locator('[data-testid="confirm-dialog"]');
      expect(await confirm.textContent()).toContain('Force delete');
      await shot(page, '24-force-delete-dark');
      await confirm.locator('[data-testid="confirm-ok"]').click();
      await page.locator('text=No deployments yet').waitFor();
      const list = await h.host.call('deployments.list', {});
      expect(list.ok && list.value.map((d) => d.id)).toEqual([]);
      expect(errors).toEqual([]);
    }, 180_000);
  },
);
