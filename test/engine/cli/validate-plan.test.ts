/**
 * The real `trellis` CLI (node bin/trellis.js) on the blueprint fixtures: `validate` and
 * `plan`, human and JSON output, exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = (kind: 'valid' | 'invalid' | 'cli', name: string, file = 'blueprint.yaml') =>
  join('test/fixtures', kind, name, file);

function trellis(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/trellis.js', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('trellis validate', () => {
  it('accepts a valid blueprint and exits 0', () => {
    const r = trellis('validate', fixture('valid', 'scaling-groups'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('test/fixtures/valid/scaling-groups/blueprint.yaml: ok\n1 file checked: 0 errors, 0 warnings\n');
  });

  it('only warns about required inputs when no inputs are given, and checks them with -i', () => {
    const bare = trellis('validate', fixture('valid', 'nodecellar'));
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('1 file checked: 0 errors, 2 warnings');
    expect(bare.stdout).toMatch(/nodecellar\/blueprint\.yaml:12:3: warning missing-input: .*mongo_host_ip/);
    const partial = trellis('validate', fixture('valid', 'nodecellar'), '-i', 'mongo_host_ip=10.0.0.1');
    expect(partial.code).toBe(1);
    expect(partial.stdout).toMatch(/nodecellar\/blueprint\.yaml:15:3: error missing-input: .*nodejs_host_ip/);
  });

  it('prints file:line:col: severity code: message for each problem and exits 1', () => {
    const r = trellis('validate', fixture('valid', 'deep-inheritance'), fixture('invalid', 'missing-node'), fixture('invalid', 'unknown-type'));
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('test/fixtures/valid/deep-inheritance/blueprint.yaml: ok');
    expect(lines.some((l) => l.startsWith('test/fixtures/invalid/missing-node/blueprint.yaml:18:17: error missing-node: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('test/fixtures/invalid/unknown-type/blueprint.yaml:13:11: error unknown-type: '))).toBe(true);
    expect(lines.at(-1)).toBe('3 files checked: 2 errors, 0 warnings');
  });

  it('reports warnings without failing', () => {
    const r = trellis('validate', fixture('valid', 'dsl-1-5'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dsl-1-5\/blueprint\.yaml:8:1: warning ignored-section: /);
  });

  it('emits one report per file with --json', () => {
    const r = trellis('validate', '--json', fixture('valid', 'scaling-groups'), fixture('invalid', 'dependency-cycle'));
    expect(r.code).toBe(1);
    const reports = JSON.parse(r.stdout) as { file: string; valid: boolean; problems: { code: string; range: { line: number } }[] }[];
    expect(reports.map((x) => [x.file.endsWith('scaling-groups/blueprint.yaml'), x.valid])).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(reports[1]!.problems.map((p) => [p.code, p.range.line])).toEqual([['dependency-cycle', 22]]);
  });

  it('names the plugins Trellis has when an import cannot be resolved', () => {
    // The CLI resolves against the built-in plugins only: the test library is unknown here.
    const r = trellis('validate', fixture('valid', 'imports'));
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.includes('unresolved-import'));
    expect(line).toMatch(/^test\/fixtures\/valid\/imports\/blueprint\.yaml:9:5: error unresolved-import: .*plugin:trellis-demo/);
    expect(line).toContain('script');
  });
});

describe('trellis plan', () => {
  it('prints nodes, instances, relationship instances and the install order', () => {
    const r = trellis('plan', fixture('valid', 'nodecellar'), '-i', fixture('valid', 'nodecellar', 'inputs.yaml'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Nodes (5)');
    expect(r.stdout).toMatch(/^nodecellar\s+nodecellar\.nodes\.NodecellarApplicationModule\s+1\s+nodejs\s+nodejs_host$/m);
    expect(r.stdout).toContain('Node instances (5)');
    expect(r.stdout).toMatch(/^nodecellar_[0-9a-z]{6}\s+node_connected_to_mongo\s+mongod_[0-9a-z]{6}$/m);
    const order = r.stdout.split('Install order (targets first)\n')[1]!.trim().split('\n').map((l) => l.replace(/^\s*\d+\.\s*/, ''));
    expect(order.indexOf('mongod')).toBeLessThan(order.indexOf('nodecellar'));
    expect(order.indexOf('nodejs')).toBeLessThan(order.indexOf('nodecellar'));
    expect(order).toHaveLength(5);
  });

  it('lists scaling groups with their bounds', () => {
    const r = trellis('plan', fixture('valid', 'scaling-groups'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Node instances (13)');
    expect(r.stdout).toMatch(/^web_tier\s+web_vm\s+2\s+1\s+5$/m);
    expect(r.stdout).toMatch(/^region\s+web_tier, db_vm\s+2\s+0\s+unbounded$/m);
  });

  it('takes inputs as key=value pairs and prints the plan as JSON', () => {
    const r = trellis('plan', '--json', fixture('valid', 'hello-world'), '-i', 'server_ip=10.9.8.7;webserver_port=9000');
    expect(r.code).toBe(0);
    const { plan, problems } = JSON.parse(r.stdout) as {
      problems: unknown[];
      plan: { nodes: { name: string; properties: Record<string, unknown> }[]; instances: { id: string; node: string }[] };
    };
    expect(problems).toEqual([]);
    const byName = Object.fromEntries(plan.nodes.map((n) => [n.name, n.properties]));
    expect(byName.vm!.ip).toBe('10.9.8.7');
    expect(byName.http_web_server!.port).toBe(9000);
    expect(plan.instances.map((i) => i.node).sort()).toEqual(['http_web_server', 'vm']);
  });

  it('fails with the problems on stderr when a required input is missing', () => {
    const r = trellis('plan', fixture('valid', 'hello-world'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/hello-world\/blueprint\.yaml:10:3: error missing-input: .*server_ip/);
  });
});

describe('the CLI with the built-in plugins', () => {
  it('plans an OpenStack blueprint importing plugin:cloudify-openstack-plugin', () => {
    const file = fixture('cli', 'openstack-webserver');
    expect(trellis('validate', file).code).toBe(0);
    const r = trellis('plan', '--json', file);
    expect(r.code).toBe(0);
    const { plan } = JSON.parse(r.stdout) as {
      plan: {
        order: string[];
        nodes: { name: string; host?: string; operations: Record<string, { plugin?: string; executor: string; kind: string }> }[];
      };
    };
    const node = (name: string) => plan.nodes.find((n) => n.name === name)!;
    expect(node('vm').operations['cloudify.interfaces.lifecycle.create']).toMatchObject({ kind: 'plugin', plugin: 'openstack' });
    expect(node('web').host).toBe('vm');
    expect(node('web').operations['cloudify.interfaces.lifecycle.create']).toMatchObject({ kind: 'script', executor: 'host_agent' });
    const at = (n: string) => plan.order.indexOf(n);
    expect(at('subnet')).toBeLessThan(at('port'));
    expect(at('port')).toBeLessThan(at('vm'));
    expect(at('ip')).toBeLessThan(at('vm'));
    expect(at('vm')).toBeLessThan(at('web'));
  });

  it('resolves the legacy OpenStack plugin URL and its cloudify.openstack.nodes types offline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-cli-'));
    try {
      const file = join(dir, 'blueprint.yaml');
      writeFileSync(
        file,
        [
          'tosca_definitions_version: cloudify_dsl_1_3',
          'imports:',
          '  - http://www.getcloudify.org/spec/cloudify/4.3/types.yaml',
          '  - http://www.getcloudify.org/spec/openstack-plugin/2.14.7/plugin.yaml',
          'node_templates:',
          '  server:',
          '    type: cloudify.openstack.nodes.Server',
          '',
        ].join('\n'),
      );
      const r = trellis('validate', file);
      expect(r.stdout).toContain('1 file checked: 0 errors');
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
