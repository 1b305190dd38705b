/**
 * Crash test: a 50-node install runs in a child engine process that is SIGKILLed at 20+
 * different task boundaries (each resumed run is killed again, at a different point,
 * before or after an operation's effect); the last run finishes. Every recorded effect
 * happened exactly once and the final state equals an uninterrupted run's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../engine/store';

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, 'crash-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'trellis-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function blueprint(): string {
  const lines = [
    'tosca_definitions_version: cloudify_dsl_1_5',
    'imports: [cloudify/types/types.yaml]',
    'plugins:',
    '  fx: { executor: central_deployment_agent, install: false }',
    'node_types:',
    '  fx.Thing:',
    '    derived_from: cloudify.nodes.Root',
    '    interfaces:',
    '      cloudify.interfaces.lifecycle: { create: fx.create, configure: fx.configure, start: fx.start }',
    'relationships:',
    '  fx.needs:',
    '    derived_from: cloudify.relationships.depends_on',
    '    source_interfaces:',
    '      cloudify.interfaces.relationship_lifecycle: { establish: fx.establish }',
    'node_templates:',
  ];
  for (let i = 0; i < 50; i++) {
    lines.push(`  n${i}:`, '    type: fx.Thing');
    // A tree: each node needs its parent, so chains and parallel branches both occur.
    if (i > 0) lines.push('    relationships:', `      - { type: fx.needs, target: n${Math.floor((i - 1) / 2)} }`);
  }
  return `${lines.join('\n')}\n`;
}

function run(home: string, bp: string, effects: string, kill?: { at: number; mode: 'before' | 'after' }) {
  const env = { ...process.env, KILL_AT: kill ? String(kill.at) : '', KILL_MODE: kill?.mode ?? '' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, home, bp, effects], { env, encoding: 'utf8', timeout: 120_000 });
  return { signal: r.signal, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function finalState(home: string) {
  const store = openStore({ home });
  try {
    const instances = store
      .listInstances('crash')
      .map((i) => ({ node: i.node, state: i.state, props: Object.fromEntries(Object.entries(i.runtimeProperties).map(([k, v]) => [k.replace(/n\d+_[a-z0-9]{6}/g, (m) => m.split('_')[0]!), v])) }))
      .sort((a, b) => a.node.localeCompare(b.node));
    const executions = store.listExecutions({ deploymentId: 'crash' }).map((e) => e.status);
    return { instances, executions, deployment: store.getDeployment('crash')?.status };
  } finally {
    store.close();
  }
}

const effectsOf = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const byNode = (keys: string[]): string[] => keys.map((k) => k.replace(/n\d+_[a-z0-9]{6}/g, (m) => m.split('_')[0]!)).sort();

describe('crash and resume', () => {
  it('a 50-node install killed at 20+ task boundaries and resumed runs every effect exactly once and ends as an uninterrupted install', () => {
    const bp = join(dir, 'crash.yaml');
    writeFileSync(bp, blueprint());

    const cleanHome = join(dir, 'clean');
    const cleanEffects = join(dir, 'clean.effects');
    const clean = run(cleanHome, bp, cleanEffects);
    expect(clean.status, clean.stderr).toBe(0);
    const expected = effectsOf(cleanEffects);
    expect(expected.length).toBe(50 * 3 + 49);

    const home = join(dir, 'crashed');
    const effects = join(dir, 'crashed.effects');
    const kills: { at: number; mode: 'before' | 'after' }[] = [];
    const points = [1, 3, 2, 5, 1, 4, 7, 2, 6, 3, 9, 1, 5, 8, 2, 4, 6, 3, 10, 1, 7, 2, 5, 3];
    points.forEach((at, i) => kills.push({ at, mode: i % 2 === 0 ? 'before' : 'after' }));
    let killed = 0;
    const boundaries = new Set<string>();
    for (const k of kills) {
      const before = effectsOf(effects).length;
      const r = run(home, bp, effects, k);
      if (r.signal === 'SIGKILL') {
        killed++;
        boundaries.add(`${before}:${k.at}:${k.mode}`);
      } else expect(r.status, r.stderr).toBe(0);
    }
    const last = run(home, bp, effects);
    expect(last.status, last.stderr + last.stdout).toBe(0);
    expect(killed).toBeGreaterThanOrEqual(20);
    expect(boundaries.size).toBeGreaterThanOrEqual(20);

    const got = effectsOf(effects);
    expect(new Set(got).size).toBe(got.length); // nothing twice
    expect(byNode(got)).toEqual(byNode(expected)); // nothing missing
    const a = finalState(home);
    const b = finalState(cleanHome);
    expect(a.deployment).toBe('installed');
    expect(a.instances).toEqual(b.instances);
    expect(a.executions).toEqual(['terminated']);
  }, 600_000);
});
