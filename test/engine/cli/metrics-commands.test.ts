/**
 * `trellis metrics`, `trellis policies pause|resume` and `trellis load` in a child process
 * against a home prepared in-process (a deployment and some stored samples).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHost } from '../../../engine/host/engine-host';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'trellis.js');
const dir = mkdtempSync(join(tmpdir(), 'trellis-cli-metrics-'));
const home = join(dir, 'home');

function trellis(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, TRELLIS_HOME: home }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BLUEPRINT = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  web:
    type: cloudify.nodes.Root
policies:
  grow:
    type: trellis.policies.metric_scale
    targets: [web]
    properties: { metric: rps, scale_up_threshold: 10, scale_down_threshold: 1 }
`;

describe('metrics and policies commands', () => {
  beforeAll(async () => {
    const file = join(dir, 'bp.yaml');
    writeFileSync(file, BLUEPRINT);
    const host = createEngineHost({ home, plugins: [], metrics: { autoStart: false } });
    const created = await host.call('deployments.create', { blueprintFile: file, deploymentId: 'dep' });
    if (!created.ok) throw new Error(created.error.message);
    const now = Date.now();
    host.metrics!.series.ingest(
      [0, 1, 2].flatMap((i) => [
        { deploymentId: 'dep', nodeId: 'web', instanceId: 'web_a', metric: 'rps', time: now - 30_000 + i * 5_000, value: 2 + i },
        { deploymentId: 'dep', nodeId: 'web', instanceId: 'web_b', metric: 'rps', time: now - 30_000 + i * 5_000, value: 10 },
      ]),
    );
    await host.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the metrics of a deployment and shows one per instance', () => {
    const list = trellis('metrics', 'dep');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^METRIC\s+NODES\nrps\s+web$/m);
    const one = trellis('metrics', 'dep', 'rps', '--since', '5m');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/web_a\s+web\s+3\s+2\s+3\s+4\s+4/);
    expect(one.stdout).toMatch(/web_b\s+web\s+3\s+10\s+10\s+10\s+10/);
    const json = JSON.parse(trellis('metrics', 'dep', 'rps', '--since', '5m', '--step', '1h', '--aggregation', 'max', '--instance', 'web_a', '--json').stdout) as { instanceId: string; points: { value: number }[] }[];
    expect(json.map((s) => [s.instanceId, s.points.map((p) => p.value)])).toEqual([['web_a', [4]]]);
  });

  it('refuses a bad duration and an unknown deployment with their exit codes', () => {
    const bad = trellis('metrics', 'dep', 'rps', '--since', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a duration/);
    expect(trellis('metrics', 'nope').code).toBe(3);
  });

  it('pauses and resumes the policies of a deployment', () => {
    const paused = trellis('policies', 'pause', 'dep');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/policies of dep paused: grow/);
    expect((JSON.parse(trellis('deployments', 'show', 'dep', '--json').stdout) as { policiesPaused: boolean }).policiesPaused).toBe(true);
    expect(trellis('policies', 'resume', 'dep').stdout).toMatch(/resumed/);
    expect((JSON.parse(trellis('deployments', 'show', 'dep', '--json').stdout) as { policiesPaused: boolean }).policiesPaused).toBe(false);
  });

  it('sends no load to a deployment that is not installed', () => {
    const r = trellis('load', 'dep', '--rps', '5', '--seconds', '1');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/install it before sending load/);
    expect(trellis('load', 'dep', '--rps', '5000').code).toBe(2);
  });
});
