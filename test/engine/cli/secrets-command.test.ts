/**
 * `trellis secrets`: a value set from stdin reaches an operation through get_secret, is
 * never printed back, and never lands in the database or the event log as plain text.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'trellis.js');
const dir = mkdtempSync(join(tmpdir(), 'trellis-secrets-'));
const home = join(dir, 'home');
const env = { ...process.env, TRELLIS_HOME: home };
const SECRET = 'correct-horse-battery-staple';

function trellis(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { env, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function filesUnder(path: string): string[] {
  return readdirSync(path, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(path, e.name)) : [join(path, e.name)],
  );
}

describe('trellis secrets', () => {
  it('stores a secret from stdin that get_secret hands to an operation, without ever showing it', () => {
    mkdirSync(join(dir, 'bp', 'scripts'), { recursive: true });
    const out = join(dir, 'seen.txt');
    writeFileSync(join(dir, 'bp', 'scripts', 'use.sh'), `#!/bin/sh\nprintf %s "$password" > ${out}\n`, { mode: 0o755 });
    writeFileSync(
      join(dir, 'bp', 'blueprint.yaml'),
      `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  app:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/use.sh
          inputs: { password: { get_secret: db_password } }
`,
    );

    const set = trellis(['secrets', 'set', 'db_password'], `${SECRET}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).not.toContain(SECRET);

    const list = trellis(['secrets', 'list', '--json']);
    expect(list.code).toBe(0);
    const names = (JSON.parse(list.stdout) as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(['db_password']);
    expect(list.stdout).not.toContain(SECRET);

    const install = trellis(['install', join(dir, 'bp', 'blueprint.yaml'), '-d', 'sec']);
    expect(install.code, install.stderr + install.stdout).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(SECRET);

    const events = trellis(['events', 'sec', '--json']);
    expect(events.stdout).not.toContain(SECRET);
    for (const file of filesUnder(home)) expect(readFileSync(file).includes(SECRET), file).toBe(false);
  });

  it('refuses to delete a secret that does not exist, with exit code 3', () => {
    const r = trellis(['secrets', 'delete', 'no_such_secret']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no secret named "no_such_secret"');
  });
});
