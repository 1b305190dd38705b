/**
 * A tiny deployment for driving the OpenStack plugin's operations the way the engine does,
 * without the engine: node instances whose runtime properties persist across operations,
 * relationship operations that see both ends, secrets in memory, logs recorded. Operations
 * are looked up through plugin.yaml (type -> interface -> implementation) and the plugin's
 * operation table, so the wiring is exercised too.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { EntityView, OperationContext, RuntimeProperties, Value } from '../../../../plugins/sdk';
import { openstackPlugin, openstackTypeLibrary } from '../../../../plugins/openstack';

interface TypeDef {
  derived_from?: string;
  interfaces?: Record<string, Record<string, { implementation: string; inputs?: Record<string, { default?: Value }> }>>;
  properties?: Record<string, { default?: Value }>;
}
interface RelDef {
  derived_from?: string;
  source_interfaces?: TypeDef['interfaces'];
  target_interfaces?: TypeDef['interfaces'];
}
const library = parse(readFileSync(openstackTypeLibrary.file, 'utf8')) as { node_types: Record<string, TypeDef>; relationships: Record<string, RelDef> };

const coreParents: Record<string, string> = {
  'cloudify.nodes.Compute': 'cloudify.nodes.Root',
  'cloudify.nodes.Network': 'cloudify.nodes.Root',
  'cloudify.nodes.Subnet': 'cloudify.nodes.Root',
  'cloudify.nodes.Port': 'cloudify.nodes.Root',
  'cloudify.nodes.Router': 'cloudify.nodes.Root',
  'cloudify.nodes.SecurityGroup': 'cloudify.nodes.Root',
  'cloudify.nodes.VirtualIP': 'cloudify.nodes.Root',
  'cloudify.nodes.Volume': 'cloudify.nodes.Root',
};

function hierarchy(type: string): string[] {
  const out = [type];
  let t: string | undefined = library.node_types[type]?.derived_from ?? coreParents[type];
  while (t) {
    out.push(t);
    t = library.node_types[t]?.derived_from ?? coreParents[t];
  }
  return out;
}

export interface LogLine {
  level: string;
  message: string;
}

export interface Entity extends EntityView {
  relationships: { type: string; target: string }[];
}

export class Deployment {
  readonly id = `dep-${Date.now().toString(36)}`;
  readonly entities = new Map<string, Entity>();
  readonly secrets = new Map<string, string>();
  readonly logs: LogLine[] = [];
  /** Persisted snapshots of runtime properties per instance (what `update()` stored). */
  readonly persisted = new Map<string, RuntimeProperties>();
  private seq = 0;

  /** Adds a node with one instance. */
  add(name: string, type: string, properties: Record<string, Value>, relationships: { type: string; target: string }[] = []): Entity {
    const defaults: Record<string, Value> = {};
    for (const [k, d] of Object.entries(library.node_types[type]?.properties ?? {})) if (d.default !== undefined) defaults[k] = d.default;
    const instanceId = `${name.replace(/-/g, '_')}_${(++this.seq).toString(36).padStart(6, '0')}`;
    const runtimeProperties: RuntimeProperties = {};
    const e: Entity = {
      node: { name, type, typeHierarchy: hierarchy(type), properties: { ...defaults, ...properties } },
      instance: {
        id: instanceId,
        state: 'uninitialized',
        runtimeProperties,
        update: () => {
          this.persisted.set(instanceId, JSON.parse(JSON.stringify(runtimeProperties)) as RuntimeProperties);
          return Promise.resolve();
        },
      },
      relationships,
    };
    this.entities.set(name, e);
    return e;
  }

  get(name: string): Entity {
    const e = this.entities.get(name);
    if (!e) throw new Error(`no node ${name}`);
    return e;
  }

  private context(e: Entity, operation: string, inputs: Record<string, Value>, signal?: AbortSignal): OperationContext {
    const logs = this.logs;
    const log = (level: string) => (message: string) => void logs.push({ level, message: `${e.node.name}: ${message}` });
    const secrets = this.secrets;
    return {
      deploymentId: this.id,
      blueprintId: 'openstack-test',
      executionId: 'exec',
      workflowId: 'test',
      taskId: `t${++this.seq}`,
      operation: { name: operation, retryNumber: 0, maxRetries: 3 },
      node: e.node,
      instance: e.instance,
      relationships: e.relationships.map((r) => {
        const t = this.get(r.target);
        return { type: r.type, typeHierarchy: [r.type, library.relationships[r.type]?.derived_from ?? 'cloudify.relationships.connected_to'], target: t };
      }),
      inputs,
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      signal: signal ?? new AbortController().signal,
      blueprintDir: process.cwd(),
      resolveResource: (p) => p,
      secrets: {
        get: (n) => {
          const v = secrets.get(n);
          return v === undefined ? Promise.reject(new Error(`no secret ${n}`)) : Promise.resolve(v);
        },
        set: (n, v) => {
          secrets.set(n, v);
          return Promise.resolve();
        },
        delete: (n) => {
          secrets.delete(n);
          return Promise.resolve();
        },
      },
      getCapability: () => Promise.reject(new Error('no capabilities here')),
    };
  }

  /** Runs a lifecycle operation (`create`, `configure`, `start`, `stop`, `delete`) if the type has it. */
  async run(name: string, op: string, inputs: Record<string, Value> = {}, signal?: AbortSignal): Promise<boolean> {
    const e = this.get(name);
    const impl = e.node.typeHierarchy.map((t) => library.node_types[t]?.interfaces?.['cloudify.interfaces.lifecycle']?.[op]).find(Boolean);
    if (!impl) return false;
    await handler(impl.implementation)(this.context(e, `cloudify.interfaces.lifecycle.${op}`, inputs, signal));
    e.instance.state = op;
    return true;
  }

  /** Runs a relationship operation (`establish`, `postconfigure`, `unlink`, ...) of source -> target, both sides. */
  async runRelationship(source: string, target: string, op: string): Promise<number> {
    const s = this.get(source);
    const rel = s.relationships.find((r) => r.target === target);
    if (!rel) throw new Error(`${source} has no relationship to ${target}`);
    const def = library.relationships[rel.type];
    let ran = 0;
    for (const side of ['source', 'target'] as const) {
      const impl = def?.[`${side}_interfaces`]?.['cloudify.interfaces.relationship_lifecycle']?.[op];
      if (!impl) continue;
      const t = this.get(target);
      const self = side === 'source' ? s : t;
      const inputs: Record<string, Value> = {};
      for (const [k, v] of Object.entries(impl.inputs ?? {})) if (v.default !== undefined) inputs[k] = v.default;
      const ctx = this.context(self, `cloudify.interfaces.relationship_lifecycle.${op}`, inputs);
      delete ctx.relationships;
      ctx.relationship = {
        type: rel.type,
        typeHierarchy: [rel.type, def?.derived_from ?? 'cloudify.relationships.connected_to'],
        properties: {},
        side,
        source: s,
        target: t,
      };
      await handler(impl.implementation)(ctx);
      ran++;
    }
    return ran;
  }

  /** install order for the given nodes: create, configure, postconfigure(rels), start, establish(rels). */
  async install(...names: string[]): Promise<void> {
    for (const n of names) {
      await this.run(n, 'create');
      await this.run(n, 'configure');
      for (const r of this.get(n).relationships) await this.runRelationship(n, r.target, 'postconfigure');
      await this.run(n, 'start');
      for (const r of this.get(n).relationships) await this.runRelationship(n, r.target, 'establish');
    }
  }

  /** uninstall order (reverse of the given list): stop, unlink(rels), delete. */
  async uninstall(...names: string[]): Promise<void> {
    for (const n of [...names].reverse()) {
      await this.run(n, 'stop');
      for (const r of this.get(n).relationships) await this.runRelationship(n, r.target, 'unlink');
      await this.run(n, 'delete');
    }
  }
}

function handler(implementation: string) {
  const [plugin, ...rest] = implementation.split('.');
  if (plugin !== openstackPlugin.name) throw new Error(`not an openstack implementation: ${implementation}`);
  const h = openstackPlugin.operations[rest.join('.')];
  if (!h) throw new Error(`no handler for ${implementation}`);
  return h;
}
