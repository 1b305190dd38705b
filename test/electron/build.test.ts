/**
 * `electron-vite build` keeps working: main, the sandboxed preload and the renderer are
 * built (into a temporary folder, so the out/ that other tests serve is left alone).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const outDir = mkdtempSync(join(tmpdir(), 'trellis-build-'));
let log = '';

beforeAll(() => {
  const run = spawnSync(process.execPath, [resolve('node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir], {
    encoding: 'utf8',
    timeout: 540_000,
  });
  log = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`electron-vite build failed (${run.status}):\n${log.slice(-4000)}`);
}, 600_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the desktop build', () => {
  it('emits main, preload and renderer', () => {
    for (const file of ['main/main.js', 'preload/preload.cjs', 'renderer/index.html']) {
      expect(existsSync(join(outDir, file)), file).toBe(true);
    }
  });

  it('builds the preload as CommonJS that requires nothing but electron (sandbox-safe)', () => {
    const preload = readFileSync(join(outDir, 'preload/preload.cjs'), 'utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(required).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld');
    expect(preload).not.toMatch(/^\s*import\s/m);
  });

  it('loads the renderer through relative asset URLs (works from trellis://app/ and from serve)', () => {
    const html = readFileSync(join(outDir, 'renderer/index.html'), 'utf8');
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.length).toBeGreaterThan(0);
    for (const src of srcs) expect(src.startsWith('./'), src).toBe(true);
  });
});
