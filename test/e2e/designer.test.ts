/**
 * The designer end to end, in Chromium against the browser build served by the real
 * `trellis serve`: build a blueprint from nothing by drag-and-drop, edit in the inspector
 * and in the YAML, undo and redo across both panes, see a problem marker, save and reopen.
 * Screenshots of each state land in test-results/screenshots/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, chromiumPath, openDesigner, screenshotsDir, startHarness, yamlText, type Harness } from './designer-harness';

if (!haveChromium && process.env['CI'] !== 'true') {
  console.warn(`\n*** SKIPPING the designer e2e tests: no Chromium at ${chromiumPath} (apt-get install -y chromium) ***\n`);
}

interface Doc {
  node_templates: Record<string, { type: string; properties?: Record<string, unknown>; relationships?: { type: string; target: string }[] }>;
}
const docOf = async (page: Page): Promise<Doc> => parse(await yamlText(page)) as Doc;
const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
const templates = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { trellisDesigner: { templates(): string[] } }).trellisDesigner.templates());

/** Drags a palette type onto a spot of the canvas or of a node box. */
async function dropType(page: Page, type: string, target: string, at: { x: number; y: number }): Promise<void> {
  await page.dragAndDrop(`[data-testid="palette-${type}"]`, target, { targetPosition: at });
}

/** Drags from a node's output handle onto another node's input handle. */
async function connect(page: Page, source: string, target: string): Promise<void> {
  const from = page.locator(`.react-flow__node[data-id="${source}"] .react-flow__handle.source`).first();
  const to = page.locator(`.react-flow__node[data-id="${target}"] .react-flow__handle.target`).first();
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + 60, a.y + 20, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 });
  await page.mouse.up();
}

/** Puts the cursor at the end of the YAML and pastes text there (one edit, one undo step). */
async function pasteAtEnd(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Control+v');
}

describe.skipIf(!haveChromium && process.env['CI'] !== 'true')('the designer in Chromium (trellis serve)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 180_000);
  afterAll(async () => {
    await h?.close();
  });

  it('builds a blueprint by drag-and-drop, edits it in both panes, undoes across them, marks problems, saves and reopens', async () => {
    const { page, errors } = await openDesigner(h);
    await page.locator('[data-testid="canvas-empty"]').waitFor();
    await page.locator('[data-testid="palette-cloudify.nodes.Compute"]').waitFor();
    await shot(page, '01-empty-light');

    // A VM, an app inside it, a database VM with a DBMS inside, and a connected_to.
    await dropType(page, 'cloudify.nodes.Compute', '[data-testid="canvas"]', { x: 80, y: 120 });
    await expect.poll(() => templates(page)).toEqual(['compute']);
    await dropType(page, 'cloudify.nodes.WebServer', '[data-testid="node-compute"]', { x: 40, y: 30 });
    await expect.poll(() => templates(page)).toEqual(['compute', 'web_server']);
    await dropType(page, 'cloudify.nodes.Compute', '[data-testid="canvas"]', { x: 80, y: 520 });
    await expect.poll(() => templates(page)).toHaveLength(3);
    await dropType(page, 'cloudify.nodes.DBMS', '[data-testid="node-compute_2"]', { x: 40, y: 30 });
    await expect.poll(() => templates(page)).toEqual(['compute', 'web_server', 'compute_2', 'dbms']);
    const doc = await docOf(page);
    // Required properties arrive with their defaults.
    expect(doc.node_templates.web_server!.properties).toEqual({ port: 80 });
    expect(doc.node_templates.compute!.properties).toEqual({ os_family: 'linux' });
    expect(doc.node_templates.web_server!.relationships).toEqual([{ type: 'cloudify.relationships.contained_in', target: 'compute' }]);
    expect(doc.node_templates.dbms!.relationships).toEqual([{ type: 'cloudify.relationships.contained_in', target: 'compute_2' }]);
    // Nesting: the app's box lies inside its VM's box.
    const vmBox = (await page.locator('.react-flow__node[data-id="compute"]').boundingBox())!;
    const appBox = (await page.locator('.react-flow__node[data-id="web_server"]').boundingBox())!;
    expect(appBox.x).toBeGreaterThan(vmBox.x);
    expect(appBox.y + appBox.height).toBeLessThanOrEqual(vmBox.y + vmBox.height + 1);

    await connect(page, 'web_server', 'dbms');
    const menu = page.locator('[data-testid="connect-menu"]');
    await menu.waitFor();
    // contained_in is not offered: web_server already has a host.
    await expect.poll(() => menu.getByRole('menuitem').allTextContents()).not.toContain('cloudify.relationships.contained_in');
    await menu.getByRole('menuitem', { name: 'cloudify.relationships.connected_to', exact: true }).click();
    await expect
      .poll(async () => (await docOf(page)).node_templates.web_server!.relationships)
      .toEqual([
        { type: 'cloudify.relationships.contained_in', target: 'compute' },
        { type: 'cloudify.relationships.connected_to', target: 'dbms' },
      ]);
    await page.locator('.react-flow__edge.rel-connected_to').waitFor();
    await shot(page, '02-built-by-drag-and-drop');

    // Inspector: a constraint is checked as you type; a valid value lands in the YAML.
    await page.locator('.react-flow__node[data-id="web_server"] .tname').click();
    const port = page.locator('[data-testid="prop-port"] input');
    await port.fill('70000');
    await page.getByText('Must be between 1 and 65535.').waitFor();
    await port.fill('8080');
    await port.press('Enter');
    await expect.poll(async () => (await docOf(page)).node_templates.web_server!.properties).toEqual({ port: 8080 });
    expect(await yamlText(page)).toMatch(/web_server:\n\s+type: cloudify.nodes.WebServer\n\s+properties:\n\s+port: 8080\n/);
    await shot(page, '03-inspector-edit');

    // Typing in the YAML changes the graph, keystroke by keystroke; undo takes it back.
    const beforeTyping = await yamlText(page);
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('  cache:');
    await expect.poll(() => templates(page)).toContain('cache');
    for (let i = 0; i < 12 && (await yamlText(page)) !== beforeTyping; i++) await page.keyboard.press('Control+z');
    expect(await yamlText(page)).toBe(beforeTyping);
    await expect.poll(() => templates(page)).not.toContain('cache');
    await pasteAtEnd(page, '  cache:\n    type: cloudify.nodes.Root\n');
    await expect.poll(() => templates(page)).toContain('cache');
    await page.locator('.react-flow__node[data-id="cache"]').waitFor();
    await shot(page, '04-typed-in-yaml');

    // One undo history: undo the typing from the canvas, redo it, then undo the inspector edit from the editor.
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => templates(page)).not.toContain('cache');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => templates(page)).toContain('cache');
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+z');
    await expect.poll(() => templates(page)).not.toContain('cache');
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await docOf(page)).node_templates.web_server!.properties).toEqual({ port: 80 });
    await page.keyboard.press('Control+y');
    await expect.poll(async () => (await docOf(page)).node_templates.web_server!.properties).toEqual({ port: 8080 });

    // A problem: a relationship to a node that does not exist is marked on its line and listed.
    await pasteAtEnd(page, '  broken:\n    type: cloudify.nodes.Root\n    relationships:\n      - type: cloudify.relationships.depends_on\n        target: nowhere\n');
    await page.locator('[data-testid="problem"]', { hasText: 'nowhere' }).first().waitFor();
    await page.locator('.monaco-editor .squiggly-error').first().waitFor();
    await expect.poll(() => page.locator('.react-flow__node[data-id="broken"] .badge.error').count()).toBe(1);
    await shot(page, '05-problem-marker');
    await page.locator('[data-testid="problem"]', { hasText: 'nowhere' }).first().click();
    await page.keyboard.press('Control+z');
    await expect.poll(() => templates(page)).not.toContain('broken');
    await expect.poll(() => page.locator('[data-testid="problem"]').count()).toBe(0);

    // Invalid YAML keeps the last good graph.
    await pasteAtEnd(page, '  oops: [\n');
    await page.locator('[data-testid="yaml-error"]').waitFor();
    expect(await page.locator('.react-flow__node').count()).toBe(4);
    await shot(page, '06-invalid-yaml-keeps-graph');
    await page.keyboard.press('Control+z');
    await page.locator('[data-testid="yaml-error"]').waitFor({ state: 'detached' });

    // Save (the browser build's Save As dialog), then reopen through Open.
    await page.locator('[data-testid="dirty-marker"]').waitFor();
    const file = join(h.workDir, 'webapp.yaml');
    await page.keyboard.press('Control+s');
    await page.locator('[data-testid="save-as-path"]').fill(file);
    await page.locator('[data-testid="save-as-confirm"]').click();
    await page.locator('[data-testid="dirty-marker"]').waitFor({ state: 'detached' });
    const savedText = await yamlText(page);
    expect(readFileSync(file, 'utf8')).toBe(savedText);
    const layoutFile = join(h.workDir, 'webapp.layout.json');
    expect(existsSync(layoutFile)).toBe(true);
    const layout = JSON.parse(readFileSync(layoutFile, 'utf8')) as { positions: Record<string, { x: number; y: number }> };
    expect(Object.keys(layout.positions).sort()).toEqual(['compute', 'compute_2', 'dbms', 'web_server']);
    expect(savedText).not.toMatch(/position|layout/);

    const second = await openDesigner(h);
    await second.page.keyboard.press('Control+o');
    await second.page.locator('[data-testid="open-path"]').fill(file);
    await second.page.locator('[data-testid="open-confirm"]').click();
    await expect.poll(() => templates(second.page)).toEqual(['compute', 'web_server', 'compute_2', 'dbms']);
    expect(await yamlText(second.page)).toBe(savedText);
    const positions = await second.page.evaluate(() => (window as unknown as { trellisDesigner: { positions(): unknown } }).trellisDesigner.positions());
    expect(positions).toEqual(layout.positions);
    await second.page.locator('.react-flow__edge.rel-connected_to').waitFor();
    await shot(second.page, '07-reopened');

    // Dark theme.
    await second.page.locator('[data-testid="theme"]').selectOption('dark');
    await second.page.locator('.react-flow__node[data-id="web_server"] .tname').click();
    await shot(second.page, '08-reopened-dark');
    expect(errors).toEqual([]);
    expect(second.errors).toEqual([]);
  }, 180_000);

  it('opens an example blueprint and lays it out automatically (dark, system theme)', async () => {
    const { page, errors } = await openDesigner(h, { dark: true });
    await page.keyboard.press('Control+o');
    const first = page.locator('[data-testid="examples"] button').first();
    await first.waitFor();
    await first.click();
    await expect.poll(async () => (await templates(page)).length).toBeGreaterThan(0);
    await page.waitForTimeout(1000);
    await shot(page, '09-example-dark');
    expect(errors).toEqual([]);
  }, 120_000);
});
