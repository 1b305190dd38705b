/**
 * Shared by the golden, fuzz and CLI tests: where the fixtures are, the resolver they compile
 * with, and the canonical plan summary the golden files hold.
 *
 * The summary keeps what a blueprint author means (types, merged properties, bound
 * operations, relationships, order, instance structure) and drops what is incidental (byte
 * offsets, random instance ids, operations nobody implements).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { CompileOptions, CompileResult } from '../../../engine/dsl/index';
import { coreTypesFile } from '../../../engine/dsl/core/index';
import { createImportResolver } from '../../../engine/dsl/resolver';
import type { ImportResolver } from '../../../engine/dsl/resolver';
import type { Plan, PlanOperation, PlanOperations, Value } from '../../../engine/dsl/plan-model';
import type { Problem } from '../../../engine/dsl/problem';

export const fixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures');
export const validDir = join(fixturesDir, 'valid');
export const invalidDir = join(fixturesDir, 'invalid');
export const demoLibraryFile = join(fixturesDir, 'libraries/trellis-demo/plugin.yaml');

/** The fixture folders of one kind, sorted. */
export function listFixtures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'blueprint.yaml')))
    .map((e) => e.name)
    .sort();
}

/** The core types plus a stand-in plugin library, so fixtures do not depend on real plugins. */
export function fixtureResolver(): ImportResolver {
  return createImportResolver({
    coreTypesFile,
    libraries: [
      {
        file: demoLibraryFile,
        plugin: 'trellis-demo',
        pluginImportNames: ['trellis-demo'],
        importStrings: [],
        importPatterns: [],
      },
    ],
  });
}

/** Instance id suffixes 000001, 000002, ... so every run names instances the same. */
export function counterSuffix(): () => string {
  let n = 0;
  return () => (++n).toString(36).padStart(6, '0');
}

/** Compile options for a fixture folder (with its inputs.yaml when it has one). */
export function fixtureOptions(dir: string): CompileOptions {
  const inputsFile = join(dir, 'inputs.yaml');
  // Always pass inputs (empty when the fixture has none): a deployment is being planned, so
  // a required input without a value is a problem.
  const inputs = existsSync(inputsFile)
    ? (parse(readFileSync(inputsFile, 'utf8')) as Record<string, Value>)
    : {};
  return {
    file: join(dir, 'blueprint.yaml'),
    resolver: fixtureResolver(),
    instanceIdSuffix: counterSuffix(),
    inputs,
  };
}

/** A problem as the expected files hold it. */
export interface ProblemSummary {
  code: string;
  severity: string;
  line: number;
  column: number;
  path?: string;
  /** File relative to the fixture, when not the main blueprint. */
  file?: string;
  /** Substrings the message must contain (case-insensitive). */
  message?: string[];
}

export function summarizeProblems(problems: readonly Problem[], dir: string): ProblemSummary[] {
  return problems
    .map((p) => {
      const s: ProblemSummary = {
        code: p.code,
        severity: p.severity,
        line: p.range.line,
        column: p.range.column,
        path: p.path,
      };
      const file = displayFile(p.file, dir);
      if (file !== 'blueprint.yaml') s.file = file;
      s.message = [p.message];
      return s;
    })
    .sort(byPosition);
}

export function byPosition(a: ProblemSummary, b: ProblemSummary): number {
  return (
    (a.file ?? '').localeCompare(b.file ?? '') ||
    a.line - b.line ||
    a.column - b.column ||
    a.code.localeCompare(b.code)
  );
}

/** Files inside the fixture relative to it; shipped libraries by name. */
export function displayFile(file: string, dir: string): string {
  if (file === coreTypesFile) return '<core>/types.yaml';
  const rel = relative(dir, file);
  if (!rel.startsWith('..')) return rel;
  return `<fixtures>/${relative(fixturesDir, file)}`;
}

type Json = Value;

function operationSummary(op: PlanOperation, dir: string): Record<string, Json> {
  const s: Record<string, Json> = { kind: op.kind, implementation: op.implementation };
  if (op.kind === 'plugin') {
    s.plugin = op.plugin ?? null;
    s.operation = op.operation ?? null;
  }
  if (op.kind === 'script') s.script = op.scriptPath ? displayFile(op.scriptPath, dir) : null;
  s.executor = op.executor;
  if (Object.keys(op.inputs).length > 0) s.inputs = op.inputs;
  if (op.maxRetries !== undefined) s.maxRetries = op.maxRetries;
  if (op.retryInterval !== undefined) s.retryInterval = op.retryInterval;
  if (op.timeout !== undefined) s.timeout = op.timeout;
  return s;
}

/** Implemented operations only: declared-but-empty ones are the same in every plan. */
function operationsSummary(ops: PlanOperations, dir: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const key of Object.keys(ops).sort()) {
    const op = ops[key];
    if (op && op.kind !== 'none') out[key] = operationSummary(op, dir);
  }
  return out;
}

/**
 * Instance names that do not depend on the generated ids: `vm[0]`, `vm[0]/app[1]`, numbered
 * per container in the order the compiler emitted them (siblings of one node are
 * interchangeable, so any order is as good as another).
 */
function canonicalInstanceNames(plan: Plan): Map<string, string> {
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  const names = new Map<string, string>();
  const counters = new Map<string, number>();
  const nameOf = (id: string, seen: Set<string>): string => {
    const known = names.get(id);
    if (known) return known;
    const inst = byId.get(id);
    if (!inst) return `<missing ${id}>`;
    if (seen.has(id)) return `<cycle ${id}>`;
    seen.add(id);
    const parent = inst.containerId ? `${nameOf(inst.containerId, seen)}/` : '';
    const counterKey = `${inst.containerId ?? ''}\u0000${inst.node}`;
    const n = counters.get(counterKey) ?? 0;
    counters.set(counterKey, n + 1);
    const name = `${parent}${inst.node}[${n}]`;
    names.set(id, name);
    return name;
  };
  for (const inst of plan.instances) nameOf(inst.id, new Set());
  return names;
}

/** The golden summary of a plan (and any warnings that came with it). */
export function summarizePlan(plan: Plan, problems: readonly Problem[], dir: string): Record<string, Json> {
  const names = canonicalInstanceNames(plan);
  const sortedInstances = [...plan.instances].sort((a, b) =>
    (names.get(a.id) ?? '').localeCompare(names.get(b.id) ?? ''),
  );
  const groupIds = new Map<string, string>();
  const groupCounters = new Map<string, number>();
  for (const inst of sortedInstances) {
    for (const g of inst.scalingGroups) {
      if (groupIds.has(g.id)) continue;
      const n = groupCounters.get(g.name) ?? 0;
      groupCounters.set(g.name, n + 1);
      groupIds.set(g.id, `${g.name}[${n}]`);
    }
  }
  const instances: Record<string, Json> = {};
  for (const inst of sortedInstances) {
    const entry: Record<string, Json> = {};
    if (inst.hostId) entry.host = names.get(inst.hostId) ?? `<missing ${inst.hostId}>`;
    if (inst.scalingGroups.length > 0)
      entry.groups = inst.scalingGroups.map((g) => groupIds.get(g.id) ?? g.id).sort();
    const rels = inst.relationships
      .filter((r) => r.kind !== 'contained_in')
      .map((r) => `${r.type} -> ${names.get(r.targetId) ?? `<missing ${r.targetId}>`}`)
      .sort();
    if (rels.length > 0) entry.relationships = rels;
    instances[names.get(inst.id) ?? inst.id] = entry;
  }
  const instanceCounts: Record<string, Json> = {};
  for (const node of plan.nodes) instanceCounts[node.name] = plan.instances.filter((i) => i.node === node.name).length;

  const nodes: Record<string, Json> = {};
  for (const node of plan.nodes) {
    const n: Record<string, Json> = { type: node.type, typeHierarchy: node.typeHierarchy };
    if (node.containedIn) n.containedIn = node.containedIn;
    if (node.host) n.host = node.host;
    const sc = node.capabilities.scalable;
    n.scalable = { default: sc.defaultInstances, min: sc.minInstances, max: sc.maxInstances };
    n.properties = node.properties;
    n.operations = operationsSummary(node.operations, dir);
    n.relationships = node.relationships.map((r) => {
      const rel: Record<string, Json> = {
        type: r.type,
        typeHierarchy: r.typeHierarchy,
        kind: r.kind,
        target: r.target,
        connectionType: r.connectionType,
      };
      const src = operationsSummary(r.sourceOperations, dir);
      const tgt = operationsSummary(r.targetOperations, dir);
      if (Object.keys(src).length > 0) rel.sourceOperations = src;
      if (Object.keys(tgt).length > 0) rel.targetOperations = tgt;
      return rel;
    });
    if (node.plugins.length > 0) n.plugins = [...node.plugins].sort();
    nodes[node.name] = n;
  }

  const inputs: Record<string, Json> = {};
  for (const [name, input] of Object.entries(plan.inputs)) inputs[name] = input.value ?? null;
  const workflows: Record<string, Json> = {};
  for (const name of Object.keys(plan.workflows).sort()) {
    const wf = plan.workflows[name]!;
    if (wf.mapping.startsWith('trellis.workflows.')) {
      workflows[name] = wf.mapping;
      continue;
    }
    const params: Record<string, Json> = {};
    for (const [p, schema] of Object.entries(wf.parameters)) params[p] = schema.default ?? null;
    workflows[name] = { mapping: wf.mapping, parameters: params };
  }
  const valueOf = (m: Record<string, { value: Value }>): Record<string, Json> =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.value]));

  const summary: Record<string, Json> = {
    dslVersion: plan.dslVersion,
    files: plan.files.map((f) => displayFile(f, dir)),
    inputs,
    nodes,
    order: plan.order,
    scalingGroups: Object.fromEntries(
      Object.entries(plan.scalingGroups).map(([k, g]) => [
        k,
        {
          members: [...g.members].sort(),
          default: g.properties.defaultInstances,
          min: g.properties.minInstances,
          max: g.properties.maxInstances,
        },
      ]),
    ),
    policies: plan.policies.map((p) => ({ name: p.name, type: p.type, targets: p.targets, properties: p.properties })),
    workflows,
    outputs: valueOf(plan.outputs),
    capabilities: valueOf(plan.capabilities),
    instanceCounts,
    instances,
    warnings: summarizeProblems(problems, dir).map((p) => ({ code: p.code, line: p.line, column: p.column, ...(p.file ? { file: p.file } : {}) })),
  };
  return summary;
}

/** Runs compile and returns its result; a thrown error becomes a test failure with context. */
export function compileFixture(compile: (o: CompileOptions) => CompileResult, dir: string): CompileResult {
  return compile(fixtureOptions(dir));
}
