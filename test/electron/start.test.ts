/**
 * `npm start` on a machine where Electron cannot run (no binary, or no display): one line
 * says so, then the browser build is served and its URL printed — and that URL works.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((done) => child!.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('npm start without Electron', () => {
  it('says so in one line, serves the browser build and prints a working URL', async () => {
    // No display: even a machine that has Electron's binary takes the browser path here.
    const env = { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' };
    child = spawn(process.execPath, [resolve('bin/start.js'), '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 240_000;
    while (!/Trellis is serving on \S+/.test(out)) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
      if (Date.now() > deadline) throw new Error(`no URL printed:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^Electron cannot start here \(.+\); serving the browser build instead\.$/);
    expect(lines.filter((l) => l.includes('Electron'))).toHaveLength(1);
    const url = /Trellis is serving on (\S+)/.exec(out)![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+&file=.*local-microservices%2Fblueprint\.yaml$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(url.replace(/\?.*$/, ''))).status).toBe(401);
  }, 300_000);
});
