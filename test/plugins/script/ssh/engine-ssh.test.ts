/**
 * Through the real engine (EngineHost, store, runtime): a blueprint with a VM (a Compute at a
 * cloud address, mapped to the loopback sshd by the connection override) and an application
 * contained in it. Its scripts run on the VM over SSH as the VM's user, use ctx there, and
 * the first attempt, made while the VM's sshd is not up yet, is retried until it is.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionSummary, HostResult } from '../../../../engine/host/contract';
import { createEngineHost } from '../../../../engine/host/engine-host';
import { builtinPlugins } from '../../../../plugins';
import { createScriptPlugin } from '../../../../plugins/script';
import { parseSshOverride } from '../../../../plugins/script/ssh';
import { freePort, sshdPeer, startExtraSshd } from './sshd-peer';

const peer = sshdPeer();

function ok<T>(r: HostResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

const blueprint = `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - plugin:cloudify-script-plugin
inputs:
  user: { type: string }
  key_path: { type: string }
node_types:
  demo.App:
    derived_from: cloudify.nodes.ApplicationServer
    properties:
      greeting: { type: string, default: hi }
node_templates:
  vm:
    type: cloudify.nodes.Compute
    properties:
      ip: 10.44.0.10
      agent_config:
        user: { get_input: user }
        key: { get_input: key_path }
  app:
    type: demo.App
    properties:
      greeting: hello
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/create.sh
          max_retries: 10
          retry_interval: 1
        configure:
          implementation: scripts/configure.py
          inputs:
            vm_ip: { get_attribute: [vm, ip] }
    relationships:
      - type: cloudify.relationships.contained_in
        target: vm
`;

describe.skipIf(!peer)('scripts of a node on a VM run on the VM over SSH (engine)', () => {
  const p = peer!;
  const dir = mkdtempSync(join(tmpdir(), 'trellis-ssh-engine-'));
  let sshd: ChildProcess | undefined;
  afterAll(() => {
    sshd?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs the app: retried while sshd is down, then runs on the VM as its user with ctx', async () => {
    const bp = join(dir, 'bp');
    mkdirSync(join(bp, 'scripts'), { recursive: true });
    writeFileSync(join(bp, 'blueprint.yaml'), blueprint);
    writeFileSync(
      join(bp, 'scripts', 'create.sh'),
      'set -e\nctx instance runtime-properties remote_user "$(id -un)"\nctx instance runtime-properties said "$(ctx node properties greeting) from $(hostname)"\n',
    );
    writeFileSync(
      join(bp, 'scripts', 'configure.py'),
      'import os\nfrom cloudify import ctx\nctx.instance.runtime_properties["vm_ip_seen"] = os.environ["vm_ip"]\n',
    );
    const port = await freePort();
    const home = join(dir, 'home');
    const script = createScriptPlugin({
      ssh: { home, override: parseSshOverride(`10.44.0.10=127.0.0.1:${port}`), retryAfter: 1 },
    });
    const host = createEngineHost({ home, plugins: builtinPlugins.map((pl) => (pl.name === 'script' ? script : pl)) });
    try {
      ok(
        await host.call('deployments.create', {
          blueprintFile: join(bp, 'blueprint.yaml'),
          deploymentId: 'ssh-app',
          inputs: { user: p.user, key_path: p.keyPath },
        }),
      );
      const started = ok(await host.call('executions.start', { deploymentId: 'ssh-app', workflow: 'install', parameters: {} })) as ExecutionSummary;
      // The VM "boots": its sshd comes up after the first attempt was refused.
      await new Promise((r) => setTimeout(r, 1500));
      sshd = await startExtraSshd(p, port, join(dir, 'sshd.pid'));
      const done = await host.waitForExecution(started.id);
      const detail = ok(await host.call('executions.get', { executionId: started.id }));
      expect(done.status, detail.tasks.map((t) => `${t.name}: ${t.error ?? ''}`).join('\n')).toBe('terminated');
      const create = detail.tasks.find((t) => t.operation === 'cloudify.interfaces.lifecycle.create' && t.nodeId === 'app');
      expect(create?.attempts).toBeGreaterThanOrEqual(2);

      const [app] = ok(await host.call('instances.list', { deploymentId: 'ssh-app', nodeId: 'app' }));
      expect(app?.runtimeProperties.remote_user).toBe(p.user);
      expect(app?.runtimeProperties.said).toMatch(/^hello from /);
      expect(app?.runtimeProperties.vm_ip_seen).toBe('10.44.0.10');
    } finally {
      await host.close({ cancelRunning: true });
    }
  }, 60_000);
});
