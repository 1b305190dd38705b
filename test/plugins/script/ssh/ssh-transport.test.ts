/**
 * Scripts on a remote host over SSH, against a real OpenSSH server on 127.0.0.1
 * (test/peers/sshd). The blueprint's host address (a cloud VM's 10.20.30.40) is mapped to
 * the loopback sshd through the connection override, as the end-to-end scenario does.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFabricPlugin, createScriptPlugin } from '../../../../plugins/script';
import { processAlive } from '../../../../plugins/script/process-group';
import { parseSshOverride, type SshSettings } from '../../../../plugins/script/ssh';
import type { OperationContext, Value } from '../../../../plugins/sdk';
import {
  CancelledFailure,
  NonRecoverableError,
  RecoverableError,
  TimeoutFailure,
} from '../../../../plugins/sdk';
import { createTestContext, type TestContextOptions } from '../../../support/operation-context';
import { freePort, sshdPeer, startExtraSshd } from './sshd-peer';

const peer = sshdPeer();
const vmAddress = '10.20.30.40';

describe.skipIf(!peer)('scripts on a remote host over SSH (real sshd)', () => {
  const p = peer!;
  let dir: string;
  let home: string;
  let settings: SshSettings;
  let plugin: ReturnType<typeof createScriptPlugin>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-ssh-test-'));
    home = path.join(dir, 'home');
    await mkdir(path.join(dir, 'bp', 'scripts'), { recursive: true });
    settings = { home, override: parseSshOverride(`${vmAddress}=${p.host}:${p.port}`), retryAfter: 1 };
    plugin = createScriptPlugin({ ssh: settings });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, body: string): Promise<string> {
    await writeFile(path.join(dir, 'bp', 'scripts', name), body);
    return `scripts/${name}`;
  }

  /** A context whose host is a Compute VM at `vmAddress` (or `host` overrides). */
  function remote(
    scriptPath: string,
    options: TestContextOptions & { agent?: Record<string, Value>; address?: string } = {},
  ) {
    const t = createTestContext({
      blueprintDir: path.join(dir, 'bp'),
      nodeName: 'app',
      nodeType: 'cloudify.nodes.ApplicationServer',
      ...options,
      inputs: { script_path: scriptPath, ...(options.inputs ?? {}) },
    });
    t.ctx.host = {
      node: {
        name: 'vm',
        type: 'cloudify.nodes.openstack.Server',
        typeHierarchy: ['cloudify.nodes.openstack.Server', 'cloudify.nodes.Compute', 'cloudify.nodes.Root'],
        properties: { agent_config: options.agent ?? { user: p.user, key: p.keyPath } },
      },
      instance: {
        id: 'vm_abc123',
        state: 'started',
        runtimeProperties: { ip: options.address ?? vmAddress },
        update: () => Promise.resolve(),
      },
    };
    return t;
  }

  const run = (ctx: OperationContext) => plugin.operations['script_runner.tasks.run']!(ctx);

  it('uploads the script over SFTP and runs it on the host as the SSH user, streaming its output', async () => {
    const s = await script('who.sh', '#!/bin/sh\necho "user=$(id -un)"\necho "dir=$(pwd)"\necho oops >&2\n');
    const { ctx, logs } = remote(s);
    await run(ctx);
    expect(logs).toContainEqual({ level: 'info', message: `user=${p.user}`, data: { stream: 'stdout' } });
    const dirLine = logs.find((l) => l.message.startsWith('dir='))?.message ?? '';
    expect(dirLine).toMatch(/^dir=\/tmp\/trellis-script-/);
    expect(logs).toContainEqual({ level: 'warn', message: 'oops', data: { stream: 'stderr' } });
    // The scratch folder is gone after the operation.
    expect(() => readFileSync(path.join(dirLine.slice(4), 'who.sh'))).toThrow();
  });

  it('pins the host key on first use in the Trellis home known_hosts', async () => {
    const s = await script('true.sh', 'true\n');
    await run(remote(s).ctx);
    const known = await readFile(path.join(home, 'ssh', 'known_hosts'), 'utf8');
    expect(known).toContain(`[${p.host}]:${p.port} ${p.hostKey}`);
  });

  it('passes inputs as environment variables on the host', async () => {
    const s = await script('env.sh', 'echo "name=$name"\necho "ports=$ports"\necho "all=$TRELLIS_INPUTS"\necho "node=$TRELLIS_NODE_NAME"\n');
    const { ctx, logs } = remote(s, { inputs: { name: "it's a VM", ports: [80, 443] } });
    await run(ctx);
    const said = logs.map((l) => l.message);
    expect(said).toContain("name=it's a VM");
    expect(said).toContain('ports=[80,443]');
    expect(said).toContain(`all={"name":"it's a VM","ports":[80,443]}`);
    expect(said).toContain('node=app');
  });

  it('serves ctx over the SSH connection: reads properties, sets runtime properties, returns a value', async () => {
    const s = await script(
      'ctx.sh',
      'set -e\nport=$(ctx node properties port)\necho "port=$port"\nctx instance runtime-properties endpoint "http://$(hostname):$port"\nctx returns \'@{"ok":true}\'\n',
    );
    const { ctx, logs } = remote(s, { properties: { port: 8080 } });
    const returned = await run(ctx);
    expect(logs.map((l) => l.message)).toContain('port=8080');
    expect(ctx.instance.runtimeProperties.endpoint).toBe(`http://${os.hostname()}:8080`);
    expect(returned).toEqual({ ok: true });
  });

  it('serves ctx to Python scripts on the host (from cloudify import ctx)', async () => {
    const s = await script(
      'ctx.py',
      'from cloudify import ctx\nctx.instance.runtime_properties["db"] = ctx.node.properties["db"] + "-ready"\nctx.logger.info("python on " + ctx.instance.id)\n',
    );
    const { ctx, logs } = remote(s, { properties: { db: 'pg' }, instanceId: 'app_py0001' });
    await run(ctx);
    expect(ctx.instance.runtimeProperties.db).toBe('pg-ready');
    expect(logs.some((l) => l.message.includes('python on app_py0001'))).toBe(true);
  });

  it('streams output lines as they are printed, not when the script ends', async () => {
    const s = await script('slow.sh', 'echo first\nsleep 1.5\necho second\n');
    const { ctx } = remote(s);
    const seen: { line: string; at: number }[] = [];
    const logger = ctx.logger;
    ctx.logger = {
      ...logger,
      info: (message, data) => {
        seen.push({ line: message, at: Date.now() });
        logger.info(message, data);
      },
    };
    await run(ctx);
    const ended = Date.now();
    const first = seen.find((x) => x.line === 'first');
    expect(first).toBeDefined();
    expect(ended - first!.at).toBeGreaterThan(1000);
  });

  it('fails with the remote exit code and the last stderr lines', async () => {
    const s = await script('fail.sh', 'echo "disk full" >&2\nexit 3\n');
    const failure = await run(remote(s).ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RecoverableError);
    expect((failure as Error).message).toMatch(/exited with code 3: disk full/);
  });

  it('reports an interpreter missing on the host as non-recoverable', async () => {
    const s = await script('x.sh', 'echo hi\n');
    const failure = await run(remote(s, { inputs: { process: { command_prefix: 'no-such-interpreter-xyz' } } }).ctx).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(NonRecoverableError);
    expect((failure as Error).message).toMatch(/no-such-interpreter-xyz' was not found/);
  });

  /** Runs a script that starts a background child and waits; returns the child's pid. */
  async function startLongRunning(abortWith: (abort: (reason?: unknown) => void) => void) {
    const s = await script('long.sh', 'sleep 300 &\necho "child=$!"\nwait\n');
    const t = remote(s);
    let childPid: number | undefined;
    const logger = t.ctx.logger;
    t.ctx.logger = {
      ...logger,
      info: (message, data) => {
        const m = /^child=(\d+)$/.exec(message);
        if (m) {
          childPid = Number(m[1]);
          abortWith(t.abort);
        }
        logger.info(message, data);
      },
    };
    const started = Date.now();
    const failure = await run(t.ctx).catch((e: unknown) => e);
    return { failure, childPid, took: Date.now() - started };
  }

  it('cancelling kills the remote process group, children included', async () => {
    const { failure, childPid, took } = await startLongRunning((abort) => abort());
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(childPid).toBeDefined();
    expect(processAlive(childPid!)).toBe(false);
    expect(took).toBeLessThan(10_000);
  });

  it('a timeout kills the remote process group and is a retryable timeout failure', async () => {
    const timeout = new DOMException('timed out', 'TimeoutError');
    const { failure, childPid } = await startLongRunning((abort) => setTimeout(() => abort(timeout), 200));
    expect(failure).toBeInstanceOf(TimeoutFailure);
    expect(childPid).toBeDefined();
    expect(processAlive(childPid!)).toBe(false);
  });

  it('refuses a host whose key changed since it was pinned, and says so', async () => {
    const otherHome = path.join(dir, 'home-mismatch');
    await mkdir(path.join(otherHome, 'ssh'), { recursive: true });
    const other = utils.generateKeyPairSync('ed25519');
    await writeFile(path.join(otherHome, 'ssh', 'known_hosts'), `[${p.host}]:${p.port} ${other.public.split(' ').slice(0, 2).join(' ')}\n`);
    const strict = createScriptPlugin({ ssh: { ...settings, home: otherHome } });
    const s = await script('never.sh', 'echo must-not-run\n');
    const { ctx, logs } = remote(s);
    const failure = await strict.operations['script_runner.tasks.run']!(ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NonRecoverableError);
    expect((failure as Error).message).toMatch(/host key of \[127\.0\.0\.1\]:\d+ has CHANGED/);
    expect((failure as Error).message).toContain('known_hosts, line 1');
    expect(logs.some((l) => l.message === 'must-not-run')).toBe(false);
  });

  it('accepts a new host key for an address when the host is a different machine (healed VM), and says so', async () => {
    const healHome = path.join(dir, 'home-heal');
    await mkdir(path.join(healHome, 'ssh'), { recursive: true });
    const old = utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ');
    await writeFile(path.join(healHome, 'ssh', 'known_hosts'), `[${p.host}]:${p.port} ${old} trellis-machine=server-old\n`);
    const healed = createScriptPlugin({ ssh: { ...settings, home: healHome } });
    const s = await script('healed.sh', 'echo on-new-vm\n');
    const { ctx, logs } = remote(s);
    ctx.host!.instance.runtimeProperties.id = 'server-new';
    await healed.operations['script_runner.tasks.run']!(ctx);
    expect(logs.map((l) => l.message)).toContain('on-new-vm');
    expect(logs.some((l) => l.level === 'warn' && /is now machine server-new \(was server-old\)/.test(l.message))).toBe(true);
    const known = await readFile(path.join(healHome, 'ssh', 'known_hosts'), 'utf8');
    expect(known).toBe(`[${p.host}]:${p.port} ${p.hostKey} trellis-machine=server-new\n`);
  });

  it('gives ctx through Python 3 on a host without Node', async () => {
    // The script hides node: PATH keeps only the ctx wrapper's folder and a folder with python3.
    const s = await script(
      'nonode.sh',
      'set -e\nmkdir py\nln -s "$(command -v python3)" py/python3\nexport PATH="$(dirname "$(command -v ctx)"):$PWD/py"\nif command -v node >/dev/null; then echo "node still visible"; exit 1; fi\nctx instance runtime-properties via "$(ctx node properties tool)"\n',
    );
    const { ctx } = remote(s, { properties: { tool: 'python' } });
    await run(ctx);
    expect(ctx.instance.runtimeProperties.via).toBe('python');
  });

  it('an unknown key is retried while the host may still be installing keys, then fails for good', async () => {
    // A key the server does not know, made by OpenSSH itself (ssh2's own generator now and
    // then writes an ed25519 key its parser rejects, which made this test flaky).
    const strangerPath = path.join(dir, `stranger-${process.pid}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerPath], { stdio: 'ignore' });
    const s = await script('auth.sh', 'true\n');
    const agent = { user: p.user, key: readFileSync(strangerPath, 'utf8') };
    const early = await run(remote(s, { agent, retryNumber: 0 }).ctx).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(RecoverableError);
    expect((early as Error).message).toMatch(/SSH authentication failed for trellis-ssh@127\.0\.0\.1/);
    const late = await run(remote(s, { agent, retryNumber: 5 }).ctx).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(NonRecoverableError);
    expect((late as Error).message).toMatch(/SSH authentication failed/);
  });

  it('reads the key from a secret when agent_config.key is a get_secret reference', async () => {
    const s = await script('secret.sh', 'echo via-secret\n');
    const { ctx, logs } = remote(s, {
      agent: { user: p.user, key: { get_secret: 'vm_key' } },
      secrets: { vm_key: readFileSync(p.keyPath, 'utf8') },
    });
    await run(ctx);
    expect(logs.map((l) => l.message)).toContain('via-secret');
  });

  it('logs in with a key held by the ssh-agent when agent_config names no key', async () => {
    const sock = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', [p.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      process.env.SSH_AUTH_SOCK = sock;
      const s = await script('agent.sh', 'echo via-agent\n');
      // HOME without keys, so only the agent can log in.
      const { ctx, logs } = remote(s, { agent: { user: p.user } });
      const withAgent = createScriptPlugin({ ssh: { ...settings, sshConfigFile: path.join(dir, 'no-config') } });
      const home = process.env.HOME;
      process.env.HOME = dir;
      try {
        await withAgent.operations['script_runner.tasks.run']!(ctx);
      } finally {
        process.env.HOME = home;
      }
      expect(logs.map((l) => l.message)).toContain('via-agent');
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      agent.kill();
    }
  });

  it('a host that accepts TCP but never answers SSH times out after connect_timeout, retryably', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const mute = createScriptPlugin({ ssh: { ...settings, override: parseSshOverride(`${vmAddress}=127.0.0.1:${port}`) } });
      const s = await script('mute.sh', 'true\n');
      const started = Date.now();
      const failure = await mute.operations['script_runner.tasks.run']!(
        remote(s, { agent: { user: p.user, key: p.keyPath, connect_timeout: 1 } }).ctx,
      ).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RecoverableError);
      expect((failure as Error).message).toMatch(/over SSH yet \(Timed out while waiting for handshake\)/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('a host still booting (connection refused) is retried, and the retry succeeds once sshd is up', async () => {
    const port = await freePort();
    const booting = createScriptPlugin({ ssh: { ...settings, override: parseSshOverride(`${vmAddress}=127.0.0.1:${port}`) } });
    const s = await script('boot.sh', 'echo booted\n');
    const first = await booting.operations['script_runner.tasks.run']!(remote(s).ctx).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RecoverableError);
    expect((first as RecoverableError).retryAfter).toBe(1);
    expect((first as Error).message).toMatch(/cannot reach .* over SSH yet \(ECONNREFUSED\)/);

    const sshd = await startExtraSshd(p, port, path.join(dir, 'boot-sshd.pid'));
    try {
      const { ctx, logs } = remote(s, { retryNumber: 1 });
      await booting.operations['script_runner.tasks.run']!(ctx);
      expect(logs.map((l) => l.message)).toContain('booted');
    } finally {
      sshd.kill();
    }
  });

  it('runs fabric run_commands on the host named by fabric_env', async () => {
    const fabric = createFabricPlugin({ ssh: settings });
    const { ctx, logs } = createTestContext({
      blueprintDir: path.join(dir, 'bp'),
      inputs: {
        commands: ['echo "on $(id -un)"', 'false', 'echo never'],
        fabric_env: { host_string: `${p.user}@${vmAddress}`, key_filename: p.keyPath },
      },
    });
    const failure = await fabric.operations['fabric_plugin.tasks.run_commands']!(ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RecoverableError);
    expect(logs.map((l) => l.message)).toContain(`on ${p.user}`);
    expect(logs.map((l) => l.message)).not.toContain('never');
  });

  it('runs a script on this machine when its host is the local Host type', async () => {
    const s = await script('local.sh', 'echo "local as $(id -un)"\n');
    const t = remote(s);
    t.ctx.host!.node.typeHierarchy = ['trellis.nodes.local.Host', 'cloudify.nodes.Compute'];
    await run(t.ctx);
    expect(t.logs.map((l) => l.message)).toContain(`local as ${os.userInfo().username}`);
  });
});
