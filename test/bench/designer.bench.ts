/**
 * `npm run bench -- designer [--no-browser]`: the designer's hot paths.
 *
 * 1. YAML -> graph projection at 100 / 500 / 2,000 node templates: a cold whole-document
 *    projection, and a single keystroke re-projected incrementally (target < 16 ms at 500).
 * 2. Graph edit -> YAML (EditOp applied to the document, minimal text edits computed):
 *    set a property, add a node, rename a node (every reference follows).
 * 3. A 2,000-template canvas in headless Chromium (browser build served by the real
 *    `trellis serve`): time to first render and frame times while panning, sampled with
 *    requestAnimationFrame (target 60 fps).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProjector, projectWhole } from '../../renderer/designer/projection';
import { applyEdits } from '../../renderer/designer/yaml-edit/apply-edits';
import type { EditOp } from '../../renderer/designer/yaml-edit/edit-ops';

/** A realistic blueprint of `n` templates: VMs hosting web servers connected to databases, with comments. */
export function generateBlueprint(n: number): string {
  const lines = ['# generated for the designer benchmark', 'tosca_definitions_version: cloudify_dsl_1_5', '', 'imports:', '  - cloudify/types/types.yaml', '', 'node_templates:'];
  let count = 0;
  for (let i = 0; count < n; i++) {
    lines.push(`  # tier ${i}`, `  vm_${i}:`, '    type: cloudify.nodes.Compute', '    properties:', `      ip: 10.${(i >> 8) & 255}.${i & 255}.1`, '');
    if (++count >= n) break;
    const withDb = count + 1 < n;
    lines.push(`  web_${i}:`, '    type: cloudify.nodes.WebServer   # nginx', '    properties:', '      port: 8080', '    relationships:');
    lines.push('      - type: cloudify.relationships.contained_in', `        target: vm_${i}`);
    if (withDb) lines.push('      - type: cloudify.relationships.connected_to', `        target: db_${i}`);
    lines.push('');
    if (++count >= n) break;
    lines.push(`  db_${i}:`, '    type: cloudify.nodes.DBMS', '    properties:', `      name: orders_${i}`, '');
    count++;
  }
  return lines.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? NaN;
}
function time(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}
const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;

function projectionAndEdits(sizes: number[]): void {
  console.log('\nprojection (YAML -> graph) and edits (graph -> YAML)');
  console.log('templates | cold projection | keystroke re-projection (median / p95) | setProperty | addNode | renameNode');
  for (const n of sizes) {
    const text = generateBlueprint(n);
    // Warm the JIT on a small document first.
    projectWhole(generateBlueprint(30));
    const cold = median([1, 2, 3].map(() => time(() => projectWhole(text))));

    const project = createProjector();
    project(text);
    const keystrokes: number[] = [];
    let current = text;
    for (let k = 0; k < 60; k++) {
      // Type one digit into the port of a template somewhere in the document.
      const i = Math.floor((k * 7919) % Math.max(1, Math.floor(n / 3)));
      const anchor = current.indexOf(`  web_${i}:`);
      const at = anchor < 0 ? current.indexOf('port: 8080') : current.indexOf('port: ', anchor) + 'port: '.length;
      current = current.slice(0, at) + String(k % 10) + current.slice(at);
      const t = current;
      keystrokes.push(time(() => project(t)));
    }
    const mid = Math.floor(n / 6);
    const ops: Record<string, EditOp[]> = {
      setProperty: [{ kind: 'setProperty', node: `web_${mid}`, property: 'port', value: { mode: 'plain', value: 9090 } }],
      addNode: [{ kind: 'addNode', name: 'cache', type: 'cloudify.nodes.Root', host: { name: `vm_${mid}`, relationshipType: 'cloudify.relationships.contained_in' } }],
      renameNode: [{ kind: 'renameNode', from: `vm_${mid}`, to: 'server' }],
    };
    const editMs = Object.fromEntries(Object.entries(ops).map(([k, o]) => [k, median([1, 2, 3].map(() => time(() => applyEdits(text, o))))]));
    console.log(
      `${String(n).padStart(9)} | ${fmt(cold).padStart(15)} | ${`${fmt(median(keystrokes))} / ${fmt(p95(keystrokes))}`.padStart(37)} | ${fmt(editMs.setProperty!).padStart(11)} | ${fmt(editMs.addNode!).padStart(9)} | ${fmt(editMs.renameNode!).padStart(10)}`,
    );
  }
}

async function canvasInChromium(n: number): Promise<void> {
  const { existsSync } = await import('node:fs');
  const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    console.log(`\ncanvas: SKIPPED (no Chromium at ${chromiumPath}; apt-get install -y chromium)`);
    return;
  }
  const { startHarness } = await import('../e2e/designer-harness');
  console.log(`\ncanvas of ${n} templates in headless Chromium (software rendering)`);
  const h = await startHarness();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-designer-bench-'));
    const file = join(dir, 'big.yaml');
    writeFileSync(file, generateBlueprint(n));
    // The sampler is evaluated from strings (see below), which the page's CSP forbids; the bench page may bypass it.
    const context = await h.browser.newContext({ viewport: { width: 1600, height: 960 }, bypassCSP: true });
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${h.server.url}&file=${encodeURIComponent(file)}`);
    await page.waitForFunction(
      `window.trellisDesigner !== undefined && window.trellisDesigner.templates().length === ${n} && document.querySelectorAll('.react-flow__node').length > 0`,
      undefined,
      { timeout: 120_000, polling: 16 },
    );
    // One more frame so the first paint of the nodes has happened.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
    const firstRender = Date.now() - t0;
    const rendered = await page.locator('.react-flow__node').count();
    // Let the background work settle (problems from the host's compile, the type catalog) before panning.
    await page.locator('[data-testid="problems"] .pane-header', { hasNotText: 'checking' }).waitFor({ timeout: 120_000 });
    await page.waitForTimeout(1500);
    const mounted = await page.locator('.react-flow__node').count();
    const zoom = await page.evaluate('document.querySelector(".react-flow__viewport").style.transform');

    // Pan: drag the pane while an in-page requestAnimationFrame loop records frame gaps.
    // A string, not a function: the bench runs under tsx, whose helpers do not exist in the page.
    await page.evaluate(`(() => {
      window.frames_ = []; window.stop_ = false;
      let last = performance.now();
      const tick = (now) => { window.frames_.push(now - last); last = now; if (!window.stop_) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    const cx = pane.x + pane.width / 2;
    const cy = pane.y + pane.height / 2;
    for (let round = 0; round < 3; round++) {
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let s = 1; s <= 60; s++) await page.mouse.move(cx - s * 8, cy - s * 5);
      await page.mouse.up();
    }
    const frames = await page.evaluate<number[]>('(() => { window.stop_ = true; return window.frames_.slice(2); })()');
    const med = median(frames);
    console.log(`time to first render: ${firstRender} ms (${rendered} node elements mounted of ${n}, onlyRenderVisibleElements)`);
    console.log(`after fit: ${mounted} node elements mounted, viewport ${String(zoom)}`);
    console.log(`pan: ${frames.length} frames, median ${fmt(med)} (${(1000 / med).toFixed(1)} fps), p95 ${fmt(p95(frames))} (${(1000 / p95(frames)).toFixed(1)} fps)`);
    await context.close();
  } finally {
    await h.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  projectionAndEdits(quick ? [100, 500] : [100, 500, 2000]);
  if (!args.includes('--no-browser')) await canvasInChromium(2000);
}
