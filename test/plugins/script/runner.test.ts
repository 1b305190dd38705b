import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledFailure,
  NonRecoverableError,
  RecoverableError,
  TimeoutFailure,
} from '../../../plugins/sdk';
import { createFabricPlugin, LocalTransport, runScript } from '../../../plugins/script';
import { processAlive } from '../../../plugins/script/process-group';
import { parseSshOverride } from '../../../plugins/script/ssh';
import { findExecutable } from '../../../plugins/local/process-manager';
import { createTestContext, type TestContextOptions } from '../../support/operation-context';

let blueprintDir: string;
const transport = new LocalTransport();

async function script(name: string, body: string): Promise<string> {
  const file = path.join(blueprintDir, 'scripts', name);
  await writeFile(file, body);
  return `scripts/${name}`;
}

function context(scriptPath: string, options: TestContextOptions = {}) {
  return createTestContext({
    blueprintDir,
    ...options,
    inputs: { script_path: scriptPath, ...options.inputs },
  });
}

const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  blueprintDir = await mkdtemp(path.join(os.tmpdir(), 'trellis-script-test-'));
  await mkdir(path.join(blueprintDir, 'scripts'));
  await mkdir(path.join(blueprintDir, 'resources'));
  await writeFile(path.join(blueprintDir, 'resources', 'app.conf'), 'listen 8080\n');
});
afterAll(async () => {
  await rm(blueprintDir, { recursive: true, force: true });
});

describe('script runner (local)', () => {
  it('passes each operation input as an environment variable and all of them as JSON', async () => {
    const s = await script(
      'env.sh',
      'echo "port=$port"; echo "tags=$tags"; echo "all=$TRELLIS_INPUTS"; echo "inst=$TRELLIS_INSTANCE_ID"\n',
    );
    const { ctx, logs } = context(s, {
      instanceId: 'web_abc123',
      inputs: { port: 8080, tags: ['a', 'b'], name: 'web' },
    });
    await runScript(ctx, { transport });
    const out = logs.filter((l) => l.data?.stream === 'stdout').map((l) => l.message);
    expect(out).toEqual([
      'port=8080',
      'tags=["a","b"]',
      'all={"port":8080,"tags":["a","b"],"name":"web"}',
      'inst=web_abc123',
    ]);
  });

  it('lets the script read properties and read and write runtime properties through ctx', async () => {
    const s = await script(
      'ctx.sh',
      [
        'set -e',
        'ctx instance runtime-properties port 8080',
        `ctx instance runtime_properties nested.deep '@{"a":[1,2]}'`,
        'ctx instance runtime-properties count @3',
        'echo "got=$(ctx instance runtime-properties port)"',
        'echo "prop=$(ctx node properties image.name)"',
        'echo "name=$(ctx node name) id=$(ctx instance id)"',
        'echo "json=$(ctx -j instance runtime-properties nested)"',
        '',
      ].join('\n'),
    );
    const { ctx, logs } = context(s, {
      nodeName: 'web',
      instanceId: 'web_xyz',
      properties: { image: { name: 'nginx' } },
      runtimeProperties: { existing: true },
    });
    await runScript(ctx, { transport });
    expect(ctx.instance.runtimeProperties).toEqual({
      existing: true,
      port: '8080',
      nested: { deep: { a: [1, 2] } },
      count: 3,
    });
    const out = logs.filter((l) => l.data?.stream === 'stdout').map((l) => l.message);
    expect(out).toEqual([
      'got=8080',
      'prop=nginx',
      'name=web id=web_xyz',
      'json={"deep":{"a":[1,2]}}',
    ]);
  });

  it('refuses to write node properties and reports the ctx error to the script', async () => {
    const s = await script('ro.sh', 'ctx node properties port 9 || echo "refused:$?"\n');
    const { ctx, logs } = context(s, { properties: { port: 1 } });
    await runScript(ctx, { transport });
    expect(logs.some((l) => l.message === 'refused:1')).toBe(true);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('read-only'))).toBe(true);
  });

  it('reads the other side of a relationship with ctx source/target', async () => {
    const s = await script(
      'rel.sh',
      'ctx source instance runtime-properties backend "$(ctx target instance runtime-properties ip):$(ctx target node properties port)"\n',
    );
    const { ctx } = context(s, {
      operation: 'cloudify.interfaces.relationship_lifecycle.establish',
      relationship: {
        side: 'source',
        source: { nodeName: 'app' },
        target: {
          nodeName: 'db',
          properties: { port: 5432 },
          runtimeProperties: { ip: '10.0.0.5' },
        },
      },
    });
    await runScript(ctx, { transport });
    expect(ctx.relationship?.source.instance.runtimeProperties.backend).toBe('10.0.0.5:5432');
  });

  it('streams stdout and stderr as log lines while the script is still running', async () => {
    const gate = path.join(blueprintDir, 'gate');
    const s = await script(
      'stream.sh',
      `echo first; echo oops >&2; while [ ! -f "${gate}" ]; do sleep 0.05; done; echo last\n`,
    );
    const { ctx, logs } = context(s);
    const running = runScript(ctx, { transport });
    await waitFor(
      () => logs.some((l) => l.message === 'first') && logs.some((l) => l.message === 'oops'),
    );
    expect(logs.some((l) => l.message === 'last')).toBe(false);
    await writeFile(gate, '');
    await running;
    expect(logs.find((l) => l.message === 'oops')).toMatchObject({
      level: 'warn',
      data: { stream: 'stderr' },
    });
    expect(logs.find((l) => l.message === 'last')).toMatchObject({
      level: 'info',
      data: { stream: 'stdout' },
    });
  });

  it('returns the value the script passed to ctx returns', async () => {
    const s = await script('returns.sh', `ctx returns '@{"ok":true,"n":2}'\n`);
    const { ctx } = context(s);
    await expect(runScript(ctx, { transport })).resolves.toEqual({ ok: true, n: 2 });
  });

  it('fails recoverably on a non-zero exit code, quoting the end of stderr', async () => {
    const s = await script('fail.sh', 'echo "disk full" >&2; exit 3\n');
    const { ctx } = context(s);
    const failure = await runScript(ctx, { transport }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RecoverableError);
    expect((failure as Error).message).toMatch(/exited with code 3: disk full/);
  });

  it('fails without retries when the script calls ctx abort-operation', async () => {
    const s = await script('abort.sh', 'ctx abort-operation "bad configuration"; exit 1\n');
    const { ctx } = context(s);
    const failure = await runScript(ctx, { transport }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NonRecoverableError);
    expect((failure as Error).message).toBe('bad configuration');
  });

  it('asks for a retry after the given delay when the script calls ctx retry-operation', async () => {
    const s = await script('retry.sh', 'ctx retry-operation "not ready yet" 7\n');
    const { ctx } = context(s);
    const failure = await runScript(ctx, { transport }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RecoverableError);
    expect(failure).toMatchObject({ message: 'not ready yet', retryAfter: 7, nonRetryable: false });
  });

  it('kills the whole process group when the operation times out, even children that ignore SIGTERM', async () => {
    const pidFile = path.join(blueprintDir, 'child.pid');
    const s = await script(
      'hang.sh',
      `trap '' TERM\nsleep 60 &\necho $! > "${pidFile}"\necho started\nwait\n`,
    );
    const { ctx, logs, abort } = context(s);
    const running = runScript(ctx, { transport, killGraceMs: 300 }).catch((e: unknown) => e);
    await waitFor(() => logs.some((l) => l.message === 'started'));
    const childPid = Number(await readFile(pidFile, 'utf8'));
    expect(processAlive(childPid)).toBe(true);
    const started = Date.now();
    abort(new TimeoutFailure(1));
    const failure = await running;
    expect(failure).toBeInstanceOf(TimeoutFailure);
    expect(processAlive(childPid)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cancelling stops the script and reports a cancellation', async () => {
    const s = await script('long.sh', 'echo started; sleep 60\n');
    const { ctx, logs, abort } = context(s);
    const running = runScript(ctx, { transport }).catch((e: unknown) => e);
    await waitFor(() => logs.some((l) => l.message === 'started'));
    abort();
    expect(await running).toBeInstanceOf(CancelledFailure);
  });

  it('does not wait for background processes the script left holding its output', async () => {
    const pidFile = path.join(blueprintDir, 'daemon.pid');
    const s = await script('daemon.sh', `sleep 30 &\necho $! > "${pidFile}"\necho done\n`);
    const { ctx } = context(s);
    const started = Date.now();
    await runScript(ctx, { transport });
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = Number(await readFile(pidFile, 'utf8'));
    // A script may start daemons on purpose: a clean exit leaves them alone.
    expect(processAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
  });

  it('runs scripts by their shebang and copies blueprint resources with ctx download-resource', async () => {
    const s = await script(
      'node-script',
      '#!/usr/bin/env node\nconst { execFileSync } = require("node:child_process");\n' +
        'const p = execFileSync("ctx", ["download-resource", "resources/app.conf"]).toString().trim();\n' +
        'console.log(require("node:fs").readFileSync(p, "utf8").trim());\n',
    );
    const { ctx, logs } = context(s);
    await runScript(ctx, { transport });
    expect(logs.some((l) => l.message === 'listen 8080')).toBe(true);
  });

  it("honours Cloudify's process input: command prefix, arguments, extra environment and cwd", async () => {
    const s = await script('proc.sh', 'echo "args=$* extra=$EXTRA cwd=$(pwd)"\n');
    const { ctx, logs } = context(s, {
      inputs: {
        process: {
          command_prefix: '/bin/sh',
          args: ['a', 'b'],
          env: { EXTRA: 'yes' },
          cwd: blueprintDir,
        },
      },
    });
    await runScript(ctx, { transport });
    expect(logs.some((l) => l.message === `args=a b extra=yes cwd=${blueprintDir}`)).toBe(true);
  });

  it('reports an interpreter that is not installed without retrying', async () => {
    const s = await script('needs.sh', 'echo hi\n');
    const { ctx } = context(s, {
      inputs: { process: { command_prefix: 'no-such-interpreter-xyz' } },
    });
    const failure = await runScript(ctx, { transport }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NonRecoverableError);
    expect((failure as Error).message).toMatch(/'no-such-interpreter-xyz' was not found/);
  });

  it('reports a missing script without retrying', async () => {
    const { ctx } = context('scripts/nope.sh');
    await expect(runScript(ctx, { transport })).rejects.toBeInstanceOf(NonRecoverableError);
  });

  it('refuses script paths that escape the blueprint folder', async () => {
    const { ctx } = context('../../etc/passwd');
    await expect(runScript(ctx, { transport })).rejects.toBeInstanceOf(NonRecoverableError);
  });
});

const python3 = findExecutable('python3');
if (!python3 && process.env.CI !== 'true') {
  console.warn('\n*** SKIPPING the Python script tests: python3 is not installed ***\n');
}

describe.skipIf(!python3 && process.env.CI !== 'true')(
  'Python scripts written for Cloudify',
  () => {
    it('run with `from cloudify import ctx`: properties, runtime properties, inputs and the logger', async () => {
      const s = await script(
        'configure.py',
        [
          'from cloudify import ctx',
          'from cloudify.state import ctx_parameters as inputs',
          "ctx.instance.runtime_properties['port'] = ctx.node.properties['port'] + 1",
          "ctx.instance.runtime_properties['tags'] = {'env': inputs['env']}",
          "ctx.logger.info('configured %s on %d', ctx.instance.id, ctx.instance.runtime_properties['port'])",
          "ctx.returns({'type': ctx.type, 'keys': sorted(ctx.instance.runtime_properties.keys())})",
          '',
        ].join('\n'),
      );
      const { ctx, logs } = context(s, {
        instanceId: 'db_py1',
        properties: { port: 5432 },
        inputs: { env: 'prod' },
      });
      const returned = await runScript(ctx, { transport });
      expect(ctx.instance.runtimeProperties).toEqual({ port: 5433, tags: { env: 'prod' } });
      expect(
        logs.some((l) => l.level === 'info' && l.message === 'configured db_py1 on 5433'),
      ).toBe(true);
      expect(returned).toEqual({ type: 'node-instance', keys: ['port', 'tags'] });
    });

    it('raising NonRecoverableError fails without retries, RecoverableError asks for a retry', async () => {
      const fatal = await script(
        'fatal.py',
        'from cloudify.exceptions import NonRecoverableError\nraise NonRecoverableError("no quota")\n',
      );
      const fatalFailure = await runScript(context(fatal).ctx, { transport }).catch(
        (e: unknown) => e,
      );
      expect(fatalFailure).toBeInstanceOf(NonRecoverableError);
      expect((fatalFailure as Error).message).toBe('no quota');

      const again = await script(
        'again.py',
        'from cloudify.exceptions import RecoverableError\nraise RecoverableError("still booting", retry_after=3)\n',
      );
      const retryFailure = await runScript(context(again).ctx, { transport }).catch(
        (e: unknown) => e,
      );
      expect(retryFailure).toBeInstanceOf(RecoverableError);
      expect(retryFailure).toMatchObject({ message: 'still booting', retryAfter: 3 });
    });

    it('reads the target of a relationship through ctx.target', async () => {
      const s = await script(
        'link.py',
        "from cloudify import ctx\nctx.source.instance.runtime_properties['db_url'] = 'postgres://%s' % ctx.target.instance.runtime_properties['ip']\n",
      );
      const { ctx } = context(s, {
        relationship: {
          side: 'source',
          source: { nodeName: 'app' },
          target: { nodeName: 'db', runtimeProperties: { ip: '10.0.0.9' } },
        },
      });
      await runScript(ctx, { transport });
      expect(ctx.relationship?.source.instance.runtimeProperties.db_url).toBe(
        'postgres://10.0.0.9',
      );
    });
  },
);

describe('fabric plugin', () => {
  const fabric = createFabricPlugin();
  it('runs run_commands on this machine and stops at the first failing command', async () => {
    const { ctx, logs } = createTestContext({
      blueprintDir,
      inputs: { commands: ['echo one', 'false', 'echo never'] },
    });
    await expect(
      fabric.operations['fabric_plugin.tasks.run_commands']!(ctx),
    ).rejects.toBeInstanceOf(RecoverableError);
    expect(logs.some((l) => l.message === 'one')).toBe(true);
    expect(logs.some((l) => l.message === 'never')).toBe(false);
  });

  it('sends a remote host its script over SSH instead of running it here', async () => {
    // The host is mapped to a closed loopback port: the attempt must go over SSH and fail there.
    const remote = createFabricPlugin({
      ssh: { override: parseSshOverride('10.1.2.3=127.0.0.1:1'), home: blueprintDir },
    });
    const s = await script('remote.sh', 'echo should-not-run\n');
    const { ctx, logs } = context(s, {
      inputs: { fabric_env: { host_string: 'ubuntu@10.1.2.3' } },
    });
    const failure = await remote.operations['fabric_plugin.tasks.run_script']!(ctx).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(RecoverableError);
    expect((failure as Error).message).toMatch(/cannot reach ubuntu@127\.0\.0\.1:1 \(for 10\.1\.2\.3:22\) over SSH/);
    expect(logs.some((l) => l.message === 'should-not-run')).toBe(false);
  });
});
