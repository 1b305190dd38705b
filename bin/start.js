#!/usr/bin/env node
// `npm start`: build what is needed, then open the desktop app on the offline example.
// Where Electron's binary cannot be had (it is downloaded at install time, which some
// machines cannot do) or there is no display, say so in one line and serve the browser
// build instead, printing its URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'blueprints', 'local-microservices', 'blueprint.yaml');
// npm start [-- BLUEPRINT] [--web] [--port N] [--open]
const { values: options, positionals } = parseArgs({
  options: { web: { type: 'boolean' }, port: { type: 'string' }, open: { type: 'boolean' } },
  allowPositionals: true,
});
const blueprint = resolve(positionals[0] ?? example);

/** The Electron executable, without requiring the `electron` package (that would try to download it). */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return { ok: false, why: 'its binary was not downloaded when the electron package was installed' };
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { ok: false, why: `${binary} is missing` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { ok: false, why: 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)' };
  }
  return { ok: true, binary };
}

/** Newest modification time under the given paths (skips node_modules and out). */
function newest(paths) {
  let latest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const info = statSync(p);
    if (info.isDirectory()) {
      for (const entry of readdirSync(p)) if (entry !== 'node_modules' && entry !== 'out') visit(join(p, entry));
    } else latest = Math.max(latest, info.mtimeMs);
  };
  paths.forEach((p) => visit(join(root, p)));
  return latest;
}

/** Runs a build step unless every output it names is newer than all of its inputs. */
function buildIfStale(name, outputs, inputs, command, commandArgs) {
  const sources = newest(inputs);
  const fresh = outputs.every((o) => existsSync(join(root, o)) && statSync(join(root, o)).mtimeMs >= sources);
  if (fresh) return;
  const started = Date.now();
  const run = spawnSync(process.execPath, [join(root, command), ...commandArgs], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) {
    console.error(`npm start: the ${name} build failed (exit ${run.status})`);
    process.exit(run.status ?? 1);
  }
  console.log(`npm start: built the ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const rendererInputs = ['renderer', 'engine/host/contract.ts', 'vite.renderer.config.ts', 'package.json'];
const electron = options.web ? { ok: false, why: 'the browser build was asked for (--web)' } : electronBinary();

if (electron.ok) {
  buildIfStale('desktop app', ['out/main/main.js', 'out/preload/preload.cjs', 'out/renderer/index.html'], [...rendererInputs, 'electron', 'electron.vite.config.ts'], 'node_modules/electron-vite/bin/electron-vite.js', ['build']);
  const app = spawn(electron.binary, [root, blueprint], { cwd: root, stdio: 'inherit' });
  app.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron cannot start here (${electron.why}); serving the browser build instead.`);
  buildIfStale('browser build', ['out/renderer/index.html'], rendererInputs, 'node_modules/vite/bin/vite.js', ['build', '-c', 'vite.renderer.config.ts', '--logLevel', 'warn']);
  const serveArgs = ['serve', '--file', blueprint, ...(options.port ? ['--port', options.port] : []), ...(options.open ? ['--open'] : [])];
  const serve = spawn(process.execPath, [join(root, 'bin', 'trellis.js'), ...serveArgs], {
    cwd: root,
    stdio: 'inherit',
  });
  const stop = (signal) => serve.kill(signal);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  serve.on('exit', (code) => process.exit(code ?? 0));
}
