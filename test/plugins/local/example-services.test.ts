/**
 * The offline example's services driven through the local plugin, with the blueprint's own
 * node properties: the balancer's admin API wired by establish/unlink, round-robin, metrics,
 * and the service's hit counter in a real Redis.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeProperties, Value } from '../../../plugins/sdk';
import { localPlugin } from '../../../plugins/local';
import { findExecutable } from '../../../plugins/local/process-manager';
import { createTestContext } from '../../support/operation-context';

const op = (name: string) => localPlugin.operations[name]!;
const blueprintDir = fileURLToPath(
  new URL('../../../blueprints/local-microservices/', import.meta.url),
);

interface Template {
  properties: Record<string, Value>;
}
let templates: Record<string, Template>;
let home: string;
const running: { ctx: ReturnType<typeof createTestContext>['ctx'] }[] = [];

/** Creates and starts an instance of one of the blueprint's nodes. */
async function startNode(
  node: string,
  overrides: Record<string, Value> = {},
  inputs: Record<string, Value> = {},
) {
  const template = templates[node]!;
  const test = createTestContext({
    blueprintDir,
    nodeName: node,
    properties: { ...template.properties, ...overrides },
    inputs,
  });
  await op('process.create')(test.ctx);
  await op('process.start')(test.ctx);
  running.push(test);
  return test;
}

function relationshipContext(
  backend: RuntimeProperties,
  backendId: string,
  balancer: RuntimeProperties,
  balancerId: string,
) {
  return createTestContext({
    blueprintDir,
    operation: 'cloudify.interfaces.relationship_lifecycle.establish',
    relationship: {
      type: 'trellis.relationships.local.backend_of',
      side: 'source',
      properties: { admin_path: '/admin/backends' },
      source: { nodeName: 'service', instanceId: backendId, runtimeProperties: backend },
      target: { nodeName: 'balancer', instanceId: balancerId, runtimeProperties: balancer },
    },
  });
}

async function getJson(url: string): Promise<Record<string, Value>> {
  const response = await fetch(url);
  return (await response.json()) as Record<string, Value>;
}

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'trellis-example-home-'));
  process.env.TRELLIS_HOME = home;
  const blueprint = parse(await readFile(path.join(blueprintDir, 'blueprint.yaml'), 'utf8')) as {
    node_templates: Record<string, Template>;
  };
  templates = blueprint.node_templates;
});

afterAll(async () => {
  for (const { ctx } of running) await op('process.stop')(ctx).catch(() => undefined);
  await rm(home, { recursive: true, force: true });
});

describe('the example balancer', () => {
  it('establish adds a backend, requests go round-robin, unlink removes it', async () => {
    const balancer = await startNode('balancer', { port: 0 });
    const a = await startNode('service');
    const b = await startNode('service');
    const balancerRp = balancer.ctx.instance.runtimeProperties;
    const base = balancerRp.url as string;

    await expect(fetch(base)).resolves.toMatchObject({ status: 503 });
    for (const s of [a, b]) {
      const rel = relationshipContext(
        s.ctx.instance.runtimeProperties,
        s.ctx.instance.id,
        balancerRp,
        balancer.ctx.instance.id,
      );
      await op('balancer.add_backend')(rel.ctx);
    }
    const listed = (await getJson(`${base}/admin/backends`)).backends as {
      id: string;
      url: string;
    }[];
    expect(listed.map((x) => x.id).sort()).toEqual([a.ctx.instance.id, b.ctx.instance.id].sort());

    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await getJson(base)).instance as string);
    expect([...seen].sort()).toEqual([a.ctx.instance.id, b.ctx.instance.id].sort());

    const unlinkA = relationshipContext(
      a.ctx.instance.runtimeProperties,
      a.ctx.instance.id,
      balancerRp,
      balancer.ctx.instance.id,
    );
    await op('balancer.remove_backend')(unlinkA.ctx);
    for (let i = 0; i < 3; i++) expect((await getJson(base)).instance).toBe(b.ctx.instance.id);

    expect(balancerRp.metrics_url).toBe(`${base}/metrics`);
    const metrics = await (await fetch(balancerRp.metrics_url as string)).text();
    expect(metrics).toMatch(/^balancer_backends 1$/m);
    expect(metrics).toMatch(
      new RegExp(`balancer_requests_total\\{backend="${a.ctx.instance.id}",code="200"\\} 2`),
    );
    const serviceMetrics = await (
      await fetch(`${b.ctx.instance.runtimeProperties.url as string}/metrics`)
    ).text();
    expect(serviceMetrics).toMatch(
      /http_requests_total\{route="\/",code="200",instance_id="[^"]+"\} \d+/,
    );
  });

  it('keeps its backends across a restart (heal) and tolerates unlink when it is down', async () => {
    const balancer = await startNode('balancer', { port: 0 });
    const s = await startNode('service');
    const balancerRp = balancer.ctx.instance.runtimeProperties;
    const rel = relationshipContext(
      s.ctx.instance.runtimeProperties,
      s.ctx.instance.id,
      balancerRp,
      balancer.ctx.instance.id,
    );
    await op('balancer.add_backend')(rel.ctx);

    await op('process.restart')(balancer.ctx);
    expect((await getJson(balancerRp.url as string)).instance).toBe(s.ctx.instance.id);

    await op('process.stop')(balancer.ctx);
    const unlink = relationshipContext(
      s.ctx.instance.runtimeProperties,
      s.ctx.instance.id,
      balancerRp,
      balancer.ctx.instance.id,
    );
    await op('balancer.remove_backend')(unlink.ctx);
    expect(unlink.logs.some((l) => l.level === 'warn' && l.message.includes('not reachable'))).toBe(
      true,
    );
  });
});

const redisInstalled = findExecutable('redis-server') !== undefined;
if (!redisInstalled && process.env.CI !== 'true') {
  console.warn(
    '\n*** SKIPPING the example datastore tests: redis-server is not installed (apt-get install redis-server) ***\n',
  );
}

describe.skipIf(!redisInstalled && process.env.CI !== 'true')('the example datastore', () => {
  it('counts hits in a real Redis and exposes Redis metrics through the exporter', async () => {
    const redis = await startNode('datastore');
    const redisPort = redis.ctx.instance.runtimeProperties.port as number;
    expect(
      execFileSync('redis-cli', ['-p', String(redisPort), 'PING'])
        .toString()
        .trim(),
    ).toBe('PONG');
    const service = await startNode('service', {}, { env: { REDIS_PORT: redisPort } });
    const url = service.ctx.instance.runtimeProperties.url as string;
    const first = (await getJson(url)).hits as number;
    expect((await getJson(url)).hits).toBe(first + 1);

    const exporter = await startNode('datastore_metrics', {}, { env: { REDIS_PORT: redisPort } });
    const text = await (
      await fetch(`${exporter.ctx.instance.runtimeProperties.url as string}/metrics`)
    ).text();
    expect(text).toMatch(/^redis_up 1$/m);
    expect(text).toMatch(/^redis_commands_processed_total \d+$/m);
  });
});
