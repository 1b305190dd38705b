/**
 * The engine CLI end to end: `node bin/trellis.js` in a child process with its own
 * TRELLIS_HOME, the built-in script plugin running small shell scripts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'trellis.js');
const dir = mkdtempSync(join(tmpdir(), 'trellis-cli-'));
const home = join(dir, 'home');
const env = { ...process.env, TRELLIS_HOME: home };

function trellis(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BLUEPRINT = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
inputs:
  greeting: { type: string, default: hello }
node_templates:
  a:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/record.sh
          inputs: { greeting: { get_input: greeting } }
  b:
    type: cloudify.nodes.Root
    capabilities: { scalable: { properties: { default_instances: 1, min_instances: 1, max_instances: 3 } } }
    relationships: [{ type: cloudify.relationships.depends_on, target: a }]
    interfaces:
      cloudify.interfaces.lifecycle:
        create: scripts/record.sh
outputs:
  greeting: { value: { get_attribute: [a, greeting] } }
`;

const FAILING = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  broken:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: { implementation: scripts/fail.sh, max_retries: 0 }
`;

const SLOW = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  slow:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: scripts/slow.sh
`;

beforeAll(() => {
  mkdirSync(join(dir, 'bp', 'scripts'), { recursive: true });
  writeFileSync(join(dir, 'bp', 'app.yaml'), BLUEPRINT);
  writeFileSync(join(dir, 'bp', 'failing.yaml'), FAILING);
  writeFileSync(join(dir, 'bp', 'slow.yaml'), SLOW);
  writeFileSync(join(dir, 'bp', 'scripts', 'record.sh'), 'echo "creating with ${greeting:-none}"\nctx instance runtime-properties greeting "${greeting:-none}"\n');
  writeFileSync(join(dir, 'bp', 'scripts', 'fail.sh'), 'echo "cannot do it" >&2\nexit 3\n');
  writeFileSync(join(dir, 'bp', 'scripts', 'slow.sh'), 'echo slow-script-running\nsleep 30\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each command is a fresh Node process (~1-2 s, more on a busy machine).
const CLI_TIMEOUT = 180_000;

describe('trellis engine commands', () => {
  it('installs, shows, scales, reads outputs and events, and uninstalls a deployment', () => {
    const install = trellis('install', join(dir, 'bp', 'app.yaml'), '-d', 'app', '-i', 'greeting=hi there', '--json');
    expect(install.code, install.stderr).toBe(0);
    expect(JSON.parse(install.stdout)).toMatchObject({ workflow: 'install', status: 'terminated' });

    const list = JSON.parse(trellis('deployments', 'list', '--json').stdout) as { id: string; status: string }[];
    expect(list.map((d) => [d.id, d.status])).toEqual([['app', 'installed']]);
    expect(JSON.parse(trellis('outputs', 'app', '--json').stdout)).toEqual({ outputs: { greeting: 'hi there' }, capabilities: {} });

    const scale = trellis('scale', 'app', 'b', '--delta', '2');
    expect(scale.code, scale.stderr).toBe(0);
    const show = JSON.parse(trellis('deployments', 'show', 'app', '--json').stdout) as { instances: { nodeId: string; state: string }[] };
    expect(show.instances.filter((i) => i.nodeId === 'b').map((i) => i.state)).toEqual(['started', 'started', 'started']);

    const events = trellis('events', 'app', '--json');
    const lines = events.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; message: string });
    expect(lines.some((e) => e.type === 'log' && e.message.includes('creating with hi there'))).toBe(true);

    const execs = JSON.parse(trellis('executions', 'list', '-d', 'app', '--json').stdout) as { workflow: string }[];
    expect(execs.map((e) => e.workflow)).toEqual(['install', 'scale']);

    const uninstall = trellis('uninstall', 'app');
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(trellis('deployments', 'list').stdout).toMatch(/no deployments/);
  }, CLI_TIMEOUT);

  it('prints the task graph on --dry-run and records nothing', () => {
    const r = trellis('install', join(dir, 'bp', 'app.yaml'), '-d', 'dry', '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/install on dry: \d+ tasks \(dry run, nothing ran\)/);
    expect(r.stdout).toMatch(/cloudify\.interfaces\.lifecycle\.create/);
    expect(trellis('executions', 'list', '-d', 'dry').stdout).toMatch(/no executions/);
    expect(trellis('deployments', 'delete', 'dry').code).toBe(0);
  }, CLI_TIMEOUT);

  it('ends with meaningful exit codes and clear messages for bad requests and failures', () => {
    expect(trellis('install', join(dir, 'bp', 'app.yaml'), '-d', 'codes').code).toBe(0);
    const beyond = trellis('scale', 'codes', 'b', '--delta', '5');
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toMatch(/max_instances is 3/);
    const heal = trellis('heal', 'codes', 'b_nothere');
    expect(heal.code).toBe(2);
    expect(heal.stderr).toMatch(/b_nothere/);
    const done = (JSON.parse(trellis('executions', 'list', '-d', 'codes', '--json').stdout) as { id: string }[])[0]!;
    const resume = trellis('executions', 'resume', done.id);
    expect(resume.code).toBe(4);
    expect(resume.stderr).toMatch(/only failed or cancelled executions can be resumed/);
    expect(trellis('deployments', 'show', 'nope').code).toBe(3);
    expect(trellis('deployments', 'delete', 'codes').code).toBe(4);
    const failing = trellis('install', join(dir, 'bp', 'failing.yaml'), '-d', 'failing');
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/install \S+: failed/);
  }, CLI_TIMEOUT);

  it('Ctrl-C cancels the running execution cleanly', async () => {
    const child = spawn(process.execPath, [bin, 'install', join(dir, 'bp', 'slow.yaml'), '-d', 'slow'], { env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the script never started: ${stderr}`)), 45_000);
      child.stderr.on('data', () => {
        if (stderr.includes('slow-script-running')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/cancelling/);
    const execs = JSON.parse(trellis('executions', 'list', '-d', 'slow', '--json').stdout) as { status: string }[];
    expect(execs.map((e) => e.status)).toEqual(['cancelled']);
  }, CLI_TIMEOUT);
});
