/**
 * The real engine process (bin/engine-process.js -> engine/host/entry-engine-process.ts)
 * driven the way Electron main drives it: messages on its parent port. Electron's binary is
 * not available here, so a shim provides `process.parentPort` over Node's IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineToMain, MainToEngine } from '../../engine/host/ws-engine-port';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function startEngine(home: string) {
  const child = fork(resolve('bin/engine-process.js'), ['--home', home], {
    execArgv: ['--import', resolve('test/electron/parent-port-shim.mjs')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const received: EngineToMain[] = [];
  child.on('message', (m: EngineToMain) => received.push(m));
  const next = async <T extends EngineToMain>(pick: (m: EngineToMain) => m is T, ms = 60_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = received.findIndex(pick);
      if (index >= 0) return received.splice(index, 1)[0] as T;
      if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('timed out waiting for the engine');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const send = (m: MainToEngine) => child.send(m);
  const result = (id: number) => next((m): m is Extract<EngineToMain, { kind: 'result' }> => m.kind === 'result' && m.id === id);
  return { child, next, send, result };
}

describe('the engine process', () => {
  it('starts, says ready, and serves validated host calls over its parent port', async () => {
    const home = mkdtempSync(join(tmpdir(), 'trellis-engine-proc-'));
    const engine = startEngine(home);
    await engine.next((m): m is { kind: 'ready' } => m.kind === 'ready');
    engine.send({ kind: 'call', id: 1, method: 'host.info', params: {} });
    expect((await engine.result(1)).result).toMatchObject({ ok: true, value: { home } });
    engine.send({ kind: 'call', id: 2, method: 'files.read', params: {} });
    expect((await engine.result(2)).result).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
    // The offline example compiles inside the engine process: the type libraries resolve.
    const example = resolve('blueprints/local-microservices/blueprint.yaml');
    engine.send({ kind: 'call', id: 3, method: 'blueprint.compile', params: { file: example } });
    const compiled = (await engine.result(3)).result as { ok: boolean; value?: { problems: { code: string; message: string }[] } };
    expect(compiled.ok).toBe(true);
    // What running from sources protects: the core and plugin type libraries are found.
    const unresolved = compiled.value?.problems.filter((p) => /import|not found|ENOENT/i.test(`${p.code} ${p.message}`));
    expect(unresolved).toEqual([]);
  }, 120_000);

  it('stops cleanly on SIGTERM', async () => {
    const engine = startEngine(mkdtempSync(join(tmpdir(), 'trellis-engine-proc-')));
    await engine.next((m): m is { kind: 'ready' } => m.kind === 'ready');
    const exited = new Promise<number | null>((done) => engine.child.once('exit', (code) => done(code)));
    engine.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
