/**
 * Phase 5 — functions: intrinsic functions checked and, where possible, evaluated.
 *
 * Plan time: get_input and get_property are replaced by their values; concat, merge and
 * string_* are computed when all their arguments are known. Run time: get_attribute,
 * get_attributes_list, get_attributes_dict, get_secret and get_capability stay in their
 * YAML form (with plan-time arguments evaluated) for `evaluateRuntimeValue`, which the
 * engine calls when an operation runs. After evaluation, property values are checked
 * against their schemas (types.ts) so `get_input` values are type-checked too.
 *
 * Problems: bad-function (argument shapes, circular get_property), bad-function-reference
 * (unknown input, node, property or path), function-context (SELF outside node contexts,
 * SOURCE/TARGET outside relationship operations), wrong-value-type, constraint-violation,
 * missing-required-property, unknown-property, bad-scaling-bounds.
 */
import type { Value } from './plan-model';
import { ProblemCode } from './problem';
import { childPath } from './read';
import type { Reporter, SourceDoc } from './read';
import { isRecord } from './imports';
import { containsFunction, functionName } from './intrinsics';
import { didYouMean } from './suggest';
import type { Model, NodeModel, OpModel, RelModel } from './templates';
import type { TypeRegistry, ValueCheckContext } from './types';
import { describe } from './types';

/** Where a value is evaluated: decides what SELF, SOURCE and TARGET mean. */
interface Scope {
  kind: 'node' | 'relationship' | 'global';
  self?: NodeModel;
  source?: NodeModel;
  target?: NodeModel;
  doc: SourceDoc;
}

const IN_PROGRESS = Symbol('in-progress');

/** Marks "could not be evaluated at plan time" inside the evaluator. */
class Deferred {
  constructor(readonly expr: unknown) {}
}

/** Evaluates every value of the model in place and checks the results against schemas. */
export function evaluateModel(model: Model, registry: TypeRegistry, reporter: Reporter): void {
  new Evaluator(model, registry, reporter).run();
}

class Evaluator {
  private readonly memo = new Map<NodeModel, Map<string, unknown>>();
  private readonly sharedDone = new Set<OpModel>();
  private readonly checkCtx: ValueCheckContext;

  constructor(
    private readonly model: Model,
    private readonly registry: TypeRegistry,
    private readonly reporter: Reporter,
  ) {
    this.checkCtx = { nodeNames: new Set(model.nodesByName.keys()), groupNames: new Set(model.groups.keys()) };
  }

  run(): void {
    const { model } = this;
    for (const input of model.inputs.values()) {
      if (input.given && input.value !== undefined) {
        // Given values have no place in the file: problems point at the declaration.
        input.value = this.registry.checkValue(input.value, input.schema, input.doc, input.path, this.checkCtx);
      }
      if (input.value !== undefined && containsFunction(input.value)) {
        input.value = this.evaluate(input.value, { kind: 'global', doc: input.doc }, childPath(input.path, 'default'));
      }
    }
    for (const node of model.nodes) this.evaluateNode(node);
    for (const node of model.nodes) {
      for (const rel of node.relationships) this.evaluateRelationship(node, rel);
    }
    for (const g of model.scalingGroups.values()) {
      const p = g.policy;
      if (p.properties === undefined) this.evaluatePolicy(p);
      const props = p.properties ?? {};
      g.properties = this.scalable(props, p.doc, childPath(p.path, 'properties'), 1);
    }
    for (const p of model.policies) if (p.properties === undefined) this.evaluatePolicy(p);
    for (const g of model.groups.values()) {
      for (const gp of Object.values(g.policies)) {
        gp.rawProperties = this.evaluateMap(gp.rawProperties, { kind: 'global', doc: g.doc }, childPath(gp.path, 'properties'));
      }
    }
    for (const v of [...model.outputs, ...model.capabilities]) {
      v.value = this.evaluate(v.raw, { kind: 'global', doc: v.doc }, childPath(v.path, 'value'));
    }
  }

  private evaluateNode(node: NodeModel): void {
    const scope: Scope = { kind: 'node', self: node, doc: node.doc };
    const ppath = childPath(node.path, 'properties');
    const values: Record<string, unknown> = {};
    for (const name of Object.keys(node.rawProperties)) values[name] = this.propertyValue(node, name);
    for (const name of Object.keys(node.propertySchemas)) {
      if (!(name in values) && node.propertySchemas[name]?.default !== undefined) values[name] = this.propertyValue(node, name);
    }
    const checked = this.registry.checkProperties(
      pickGiven(node, values),
      node.propertySchemas,
      node.doc,
      ppath,
      `node type "${node.typeName}"`,
      this.checkCtx,
    );
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(checked)) {
      props[k] = Object.prototype.hasOwnProperty.call(node.rawProperties, k) || values[k] === undefined ? v : values[k];
    }
    node.properties = props;
    for (const op of Object.values(node.operations)) this.evaluateOperation(op, scope);
    node.scalable = this.scalable(
      this.evaluateMap(node.rawScalable, scope, childPath(childPath(childPath(node.path, 'capabilities'), 'scalable'), 'properties')),
      node.doc,
      childPath(childPath(childPath(node.path, 'capabilities'), 'scalable'), 'properties'),
      1,
    );
  }

  private evaluateRelationship(node: NodeModel, rel: RelModel): void {
    const target = this.model.nodesByName.get(rel.target);
    const scope: Scope = { kind: 'relationship', source: node, doc: rel.doc };
    if (target) scope.target = target;
    const ppath = childPath(rel.path, 'properties');
    const evaluated = this.evaluateMap(rel.rawProperties, scope, ppath);
    const props = this.registry.checkProperties(
      evaluated,
      rel.propertySchemas,
      rel.doc,
      ppath,
      `relationship type "${rel.typeName}"`,
      this.checkCtx,
    );
    // Defaults written in the type may hold functions too.
    for (const [k, v] of Object.entries(props)) {
      if (!(k in evaluated) && containsFunction(v)) props[k] = this.evaluate(v, scope, childPath(ppath, k));
    }
    rel.properties = props;
    rel.connectionType = props.connection_type === 'all_to_one' ? 'all_to_one' : 'all_to_all';
    for (const op of Object.values(rel.sourceOps)) this.evaluateOperation(op, scope);
    for (const op of Object.values(rel.targetOps)) this.evaluateOperation(op, scope);
  }

  private evaluatePolicy(p: Model['policies'][number]): void {
    const scope: Scope = { kind: 'global', doc: p.doc };
    const ppath = childPath(p.path, 'properties');
    const evaluated = this.evaluateMap(p.rawProperties, scope, ppath);
    p.properties = p.type
      ? this.registry.checkProperties(evaluated, p.type.properties, p.doc, ppath, `policy type "${p.typeName}"`, this.checkCtx)
      : evaluated;
  }

  private evaluateOperation(op: OpModel, scope: Scope): void {
    if (op.shared) {
      if (this.sharedDone.has(op)) return;
      this.sharedDone.add(op);
    }
    const s: Scope = { ...scope, doc: op.doc };
    op.inputs = this.evaluateMap(op.inputs, s, childPath(op.path, 'inputs'));
    for (const key of ['maxRetries', 'retryInterval', 'timeout'] as const) {
      const raw = op[key];
      if (raw === undefined) continue;
      const field = key === 'maxRetries' ? 'max_retries' : key === 'retryInterval' ? 'retry_interval' : 'timeout';
      const v = this.evaluate(raw, s, childPath(op.path, field));
      if (typeof v !== 'number' && !containsFunction(v)) {
        this.reporter.error(ProblemCode.wrongValueType, `"${field}" must be a number, got ${describe(v)}`, op.doc, childPath(op.path, field));
        delete op[key];
      } else op[key] = v;
    }
  }

  private scalable(
    props: Record<string, unknown>,
    doc: SourceDoc,
    path: string,
    defaultCount: number,
  ): { defaultInstances: number; minInstances: number; maxInstances: number } {
    const read = (key: string, fallback: number): number => {
      const v = props[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        if (!containsFunction(v)) {
          this.reporter.error(ProblemCode.wrongValueType, `"${key}" must be an integer, got ${describe(v)}`, doc, childPath(path, key));
        }
        return fallback;
      }
      return v;
    };
    const def = read('default_instances', defaultCount);
    const min = read('min_instances', 0);
    const max = read('max_instances', -1);
    const bad = (message: string, key: string): void =>
      this.reporter.error(ProblemCode.badScalingBounds, message, doc, childPath(path, key));
    if (def < 0) bad(`default_instances must not be negative (${def})`, 'default_instances');
    if (min < 0) bad(`min_instances must not be negative (${min})`, 'min_instances');
    if (max < -1) bad(`max_instances must be -1 (unbounded) or at least 0 (${max})`, 'max_instances');
    if (def < min) bad(`default_instances (${def}) is below min_instances (${min})`, 'default_instances');
    if (max !== -1 && def > max) bad(`default_instances (${def}) is above max_instances (${max})`, 'default_instances');
    if (max !== -1 && min > max) bad(`min_instances (${min}) is above max_instances (${max})`, 'min_instances');
    return { defaultInstances: Math.max(0, def), minInstances: Math.max(0, min), maxInstances: max };
  }

  private evaluateMap(values: Record<string, unknown>, scope: Scope, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) out[k] = this.evaluate(v, scope, childPath(path, k));
    return out;
  }

  /** A node property's evaluated value (memoised; circular references reported). */
  propertyValue(node: NodeModel, name: string): unknown {
    let memo = this.memo.get(node);
    if (!memo) {
      memo = new Map();
      this.memo.set(node, memo);
    }
    const cached = memo.get(name);
    if (cached === IN_PROGRESS) {
      this.reporter.error(
        ProblemCode.badFunction,
        `Circular get_property: property "${name}" of "${node.name}" refers back to itself`,
        node.doc,
        childPath(childPath(node.path, 'properties'), name),
      );
      return null;
    }
    if (memo.has(name)) return cached;
    memo.set(name, IN_PROGRESS);
    const scope: Scope = { kind: 'node', self: node, doc: node.doc };
    let value: unknown;
    if (Object.prototype.hasOwnProperty.call(node.rawProperties, name)) {
      value = this.evaluate(node.rawProperties[name], scope, childPath(childPath(node.path, 'properties'), name));
    } else {
      const schema = node.propertySchemas[name];
      const typeDoc = node.type?.def.doc ?? node.doc;
      value =
        schema?.default === undefined
          ? undefined
          : this.evaluate(schema.default, { ...scope, doc: typeDoc }, childPath(node.path, 'properties'));
    }
    memo.set(name, value);
    return value;
  }

  evaluate(value: unknown, scope: Scope, path: string): unknown {
    const r = this.eval(value, scope, path);
    return r instanceof Deferred ? r.expr : r;
  }

  /** Returns the value, or a Deferred holding the expression to keep for run time. */
  private eval(value: unknown, scope: Scope, path: string): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      let deferred = false;
      const out = value.map((v, i) => {
        const r = this.eval(v, scope, childPath(path, i));
        if (r instanceof Deferred) {
          deferred = true;
          return r.expr;
        }
        return r;
      });
      return deferred ? new Deferred(out) : out;
    }
    const fn = functionName(value);
    if (fn === undefined) {
      let deferred = false;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = this.eval(v, scope, childPath(path, k));
        if (r instanceof Deferred) {
          deferred = true;
          out[k] = r.expr;
        } else out[k] = r;
      }
      return deferred ? new Deferred(out) : out;
    }
    const args = (value as Record<string, unknown>)[fn];
    return this.call(fn, args, scope, childPath(path, fn));
  }

  private bad(message: string, scope: Scope, path: string, code: ProblemCode = ProblemCode.badFunction): void {
    this.reporter.error(code, message, scope.doc, path);
  }

  /** Evaluates arguments; returns [values, anyDeferred]. */
  private args(list: unknown[], scope: Scope, path: string): [unknown[], boolean] {
    let deferred = false;
    const out = list.map((a, i) => {
      const r = this.eval(a, scope, childPath(path, i));
      if (r instanceof Deferred) {
        deferred = true;
        return r.expr;
      }
      return r;
    });
    return [out, deferred];
  }

  private call(fn: string, rawArgs: unknown, scope: Scope, path: string): unknown {
    switch (fn) {
      case 'get_input':
        return this.getInput(rawArgs, scope, path);
      case 'get_property':
        return this.getProperty(rawArgs, scope, path);
      case 'get_attribute':
      case 'get_attributes_list':
      case 'get_attributes_dict':
        return this.getAttribute(fn, rawArgs, scope, path);
      case 'get_secret': {
        const list = Array.isArray(rawArgs) ? rawArgs : [rawArgs];
        const [args] = this.args(list, scope, path);
        if (list.length === 0 || (typeof args[0] !== 'string' && !containsFunction(args[0]))) {
          this.bad('get_secret takes a secret name (or [name, path...])', scope, path);
        }
        return new Deferred({ get_secret: Array.isArray(rawArgs) ? args : args[0] });
      }
      case 'get_capability': {
        if (!Array.isArray(rawArgs) || rawArgs.length < 2) {
          this.bad('get_capability takes [deployment_id, capability_name, path...]', scope, path);
          return new Deferred({ get_capability: rawArgs });
        }
        const [args] = this.args(rawArgs, scope, path);
        return new Deferred({ get_capability: args });
      }
      default:
        return this.combine(fn, rawArgs, scope, path);
    }
  }

  private getInput(rawArgs: unknown, scope: Scope, path: string): unknown {
    const list = Array.isArray(rawArgs) ? rawArgs : [rawArgs];
    const [args, deferred] = this.args(list, scope, path);
    const name = args[0];
    if (deferred || typeof name !== 'string') {
      if (!deferred) this.bad('get_input takes an input name or [name, key or index...]', scope, path);
      return new Deferred({ get_input: rawArgs });
    }
    const input = this.model.inputs.get(name);
    if (!input) {
      this.bad(
        `get_input: unknown input "${name}"${didYouMean(name, this.model.inputs.keys())}`,
        scope,
        Array.isArray(rawArgs) ? childPath(path, 0) : path,
        ProblemCode.badFunctionReference,
      );
      return null;
    }
    // No value (validate-only without inputs): keep the call; nothing to check against.
    if (input.value === undefined) return new Deferred({ get_input: rawArgs });
    return this.traverse(input.value, args.slice(1), `input "${name}"`, scope, path, { get_input: rawArgs });
  }

  private resolveEntity(entity: unknown, fn: string, scope: Scope, path: string): NodeModel | undefined {
    if (typeof entity !== 'string') {
      this.bad(`${fn}: the first argument must be SELF, SOURCE, TARGET or a node name`, scope, path);
      return undefined;
    }
    if (entity === 'SELF') {
      if (scope.kind !== 'node' || !scope.self) {
        this.bad(`${fn}: SELF can only be used in a node's properties and operations`, scope, path, ProblemCode.functionContext);
        return undefined;
      }
      return scope.self;
    }
    if (entity === 'SOURCE' || entity === 'TARGET') {
      if (scope.kind !== 'relationship') {
        this.bad(`${fn}: ${entity} can only be used in relationship properties and operations`, scope, path, ProblemCode.functionContext);
        return undefined;
      }
      return entity === 'SOURCE' ? scope.source : scope.target;
    }
    const node = this.model.nodesByName.get(entity);
    if (!node) {
      this.bad(
        `${fn}: unknown node "${entity}"${didYouMean(entity, this.model.nodesByName.keys())}`,
        scope,
        path,
        ProblemCode.badFunctionReference,
      );
    }
    return node;
  }

  private getProperty(rawArgs: unknown, scope: Scope, path: string): unknown {
    if (!Array.isArray(rawArgs) || rawArgs.length < 2) {
      this.bad('get_property takes [SELF|SOURCE|TARGET|node, property, key or index...]', scope, path);
      return null;
    }
    const [args, deferred] = this.args(rawArgs, scope, path);
    if (deferred) return new Deferred({ get_property: args });
    const node = this.resolveEntity(args[0], 'get_property', scope, childPath(path, 0));
    if (!node) return null;
    const prop = args[1];
    if (typeof prop !== 'string') {
      this.bad('get_property: the property name must be a string', scope, childPath(path, 1));
      return null;
    }
    const known = Object.prototype.hasOwnProperty.call(node.rawProperties, prop) || prop in node.propertySchemas;
    if (!known) {
      this.bad(
        `get_property: node "${node.name}" has no property "${prop}"${didYouMean(prop, [...Object.keys(node.propertySchemas), ...Object.keys(node.rawProperties)])}`,
        scope,
        childPath(path, 1),
        ProblemCode.badFunctionReference,
      );
      return null;
    }
    const value = this.propertyValue(node, prop);
    return this.traverse(value, args.slice(2), `property "${prop}" of "${node.name}"`, scope, path, { get_property: args });
  }

  /** Follows keys and list indices into a value; a missing step is a reference problem. */
  private traverse(value: unknown, steps: unknown[], what: string, scope: Scope, path: string, original: unknown): unknown {
    let cur = value;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (containsFunction(cur)) return new Deferred(original);
      if (Array.isArray(cur) && typeof step === 'number' && Number.isInteger(step)) {
        if (step < 0 || step >= cur.length) {
          this.bad(`Index ${step} is out of range in ${what} (length ${cur.length})`, scope, path, ProblemCode.badFunctionReference);
          return null;
        }
        cur = cur[step];
      } else if (isRecord(cur) && (typeof step === 'string' || typeof step === 'number')) {
        const key = String(step);
        if (!Object.prototype.hasOwnProperty.call(cur, key)) {
          this.bad(`No key "${key}" in ${what}${didYouMean(key, Object.keys(cur))}`, scope, path, ProblemCode.badFunctionReference);
          return null;
        }
        cur = cur[key];
      } else {
        this.bad(`Cannot follow ${JSON.stringify(step)} into ${describe(cur)} in ${what}`, scope, path, ProblemCode.badFunctionReference);
        return null;
      }
    }
    return containsFunction(cur) ? new Deferred(cur) : cur;
  }

  private getAttribute(fn: string, rawArgs: unknown, scope: Scope, path: string): unknown {
    if (!Array.isArray(rawArgs) || rawArgs.length < 2) {
      const shape = fn === 'get_attribute' ? '[SELF|SOURCE|TARGET|node, attribute, key or index...]' : '[node, attribute, key or index...]';
      this.bad(`${fn} takes ${shape}`, scope, path);
      return new Deferred({ [fn]: rawArgs });
    }
    const [args] = this.args(rawArgs, scope, path);
    const entity = args[0];
    if (fn !== 'get_attribute' && (entity === 'SELF' || entity === 'SOURCE' || entity === 'TARGET')) {
      this.bad(`${fn} takes a node name, not ${String(entity)}`, scope, childPath(path, 0));
    } else if (!containsFunction(entity)) {
      this.resolveEntity(entity, fn, scope, childPath(path, 0));
    }
    if (typeof args[1] !== 'string' && !containsFunction(args[1])) {
      this.bad(`${fn}: the attribute name must be a string`, scope, childPath(path, 1));
    }
    return new Deferred({ [fn]: args });
  }

  private combine(fn: string, rawArgs: unknown, scope: Scope, path: string): unknown {
    const single = fn === 'string_lower' || fn === 'string_upper';
    let list: unknown[];
    if (Array.isArray(rawArgs)) list = single && rawArgs.length !== 1 ? [rawArgs] : rawArgs;
    else if (single) list = [rawArgs];
    else {
      this.bad(`${fn} takes a list of arguments`, scope, path);
      return null;
    }
    const [args, deferred] = this.args(list, scope, path);
    const keep = (): Deferred => new Deferred({ [fn]: single && !Array.isArray(rawArgs) ? args[0] : args });
    if (deferred) {
      this.checkArity(fn, args, scope, path);
      return keep();
    }
    const result = applyCombining(fn, args);
    if ('error' in result) {
      this.bad(`${fn}: ${result.error}`, scope, path);
      return null;
    }
    return result.value;
  }

  private checkArity(fn: string, args: unknown[], scope: Scope, path: string): void {
    const arity: Record<string, [number, number]> = {
      string_find: [2, 2],
      string_replace: [3, 4],
      string_split: [2, 3],
      string_lower: [1, 1],
      string_upper: [1, 1],
    };
    const a = arity[fn];
    if (a && (args.length < a[0] || args.length > a[1])) {
      this.bad(`${fn} takes ${a[0] === a[1] ? a[0] : `${a[0]} to ${a[1]}`} arguments, got ${args.length}`, scope, path);
    }
  }
}

/** Keeps only the properties the template gave (defaults are added by checkProperties). */
function pickGiven(node: NodeModel, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(node.rawProperties)) out[k] = values[k];
  return out;
}

/** Python's str() of a value, which is what Cloudify's concat does. */
function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

/** Computes concat, merge and string_* over known values. */
export function applyCombining(fn: string, args: unknown[]): { value: unknown } | { error: string } {
  const str = (i: number): string | undefined => (typeof args[i] === 'string' ? (args[i]) : undefined);
  switch (fn) {
    case 'concat':
      return { value: args.map(pyStr).join('') };
    case 'merge': {
      const out: Record<string, unknown> = {};
      for (const a of args) {
        if (!isRecord(a)) return { error: `every argument must be a map, got ${describe(a)}` };
        Object.assign(out, a);
      }
      return { value: out };
    }
    case 'string_find': {
      const s = str(0);
      const sub = str(1);
      if (args.length !== 2 || s === undefined || sub === undefined) return { error: 'takes [string, substring]' };
      return { value: s.indexOf(sub) };
    }
    case 'string_replace': {
      const s = str(0);
      const from = str(1);
      const to = str(2);
      const count = args[3];
      if (args.length < 3 || args.length > 4 || s === undefined || from === undefined || to === undefined) {
        return { error: 'takes [string, old, new] or [string, old, new, count]' };
      }
      if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count))) return { error: 'count must be an integer' };
      if (from === '') return { value: s };
      let out = '';
      let rest = s;
      let n = 0;
      const max = count === undefined || count < 0 ? Number.POSITIVE_INFINITY : count;
      while (n < max) {
        const at = rest.indexOf(from);
        if (at < 0) break;
        out += rest.slice(0, at) + to;
        rest = rest.slice(at + from.length);
        n++;
      }
      return { value: out + rest };
    }
    case 'string_split': {
      const s = str(0);
      const sep = str(1);
      if (args.length < 2 || args.length > 3 || s === undefined || sep === undefined || sep === '') {
        return { error: 'takes [string, separator] or [string, separator, index]' };
      }
      const parts = s.split(sep);
      if (args.length === 2) return { value: parts };
      const i = args[2];
      if (typeof i !== 'number' || !Number.isInteger(i)) return { error: 'the index must be an integer' };
      const part = parts[i < 0 ? parts.length + i : i];
      if (part === undefined) return { error: `index ${i} is out of range (${parts.length} parts)` };
      return { value: part };
    }
    case 'string_lower':
    case 'string_upper': {
      const s = args[0];
      if (args.length !== 1 || typeof s !== 'string') return { error: 'takes one string' };
      return { value: fn === 'string_lower' ? s.toLowerCase() : s.toUpperCase() };
    }
    default:
      return { error: 'unknown function' };
  }
}

// ---------------------------------------------------------------------------------------
// Run time

/** A node instance as the engine sees it while running operations. */
export interface RuntimeInstanceRef {
  id: string;
  node: string;
  hostId?: string;
  containerId?: string;
  scalingGroups?: readonly { name: string; id: string }[];
  relationships?: readonly { targetId: string }[];
  runtimeProperties: Record<string, Value>;
}

/** What `evaluateRuntimeValue` needs from the engine. */
export interface RuntimeFunctionContext {
  /** The instance of a node operation (SELF). */
  self?: RuntimeInstanceRef;
  /** The source and target instances of a relationship operation. */
  source?: RuntimeInstanceRef;
  target?: RuntimeInstanceRef;
  /** A node's (plan-evaluated) properties. */
  nodeProperties(node: string): Record<string, Value> | undefined;
  /** The current instances of a node. */
  instancesOf(node: string): readonly RuntimeInstanceRef[] | Promise<readonly RuntimeInstanceRef[]>;
  getSecret(name: string): Value | Promise<Value>;
  getCapability(deploymentId: string, name: string): Value | Promise<Value>;
}

/** Thrown when a run-time function cannot be evaluated (the operation fails with it). */
export class RuntimeFunctionError extends Error {
  override name = 'RuntimeFunctionError';
}

/**
 * Evaluates the run-time functions left in a planned value (operation inputs, outputs,
 * capabilities) against the live deployment. Throws RuntimeFunctionError with a clear
 * message when a reference cannot be resolved.
 */
export async function evaluateRuntimeValue(value: Value, ctx: RuntimeFunctionContext): Promise<Value> {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Promise.all(value.map((v) => evaluateRuntimeValue(v, ctx)));
  const fn = functionName(value);
  if (fn === undefined) {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await evaluateRuntimeValue(v, ctx);
    return out;
  }
  const raw = value[fn] as Value;
  const args = Array.isArray(raw) ? await Promise.all(raw.map((v) => evaluateRuntimeValue(v, ctx))) : [await evaluateRuntimeValue(raw, ctx)];
  switch (fn) {
    case 'get_attribute': {
      const [entity, attr, ...rest] = args;
      if (typeof entity !== 'string' || typeof attr !== 'string') throw new RuntimeFunctionError('get_attribute takes [entity, attribute, ...]');
      const inst = await pickInstance(entity, ctx);
      return follow(attributeOf(inst, attr, ctx), rest, `attribute "${attr}" of ${inst.id}`);
    }
    case 'get_attributes_list':
    case 'get_attributes_dict': {
      const [node, attr, ...rest] = args;
      if (typeof node !== 'string' || typeof attr !== 'string') throw new RuntimeFunctionError(`${fn} takes [node, attribute, ...]`);
      const instances = await ctx.instancesOf(node);
      if (fn === 'get_attributes_list') return instances.map((i) => follow(attributeOf(i, attr, ctx), rest, `attribute "${attr}" of ${i.id}`));
      const out: Record<string, Value> = {};
      for (const i of instances) out[i.id] = follow(attributeOf(i, attr, ctx), rest, `attribute "${attr}" of ${i.id}`);
      return out;
    }
    case 'get_secret': {
      const [name, ...rest] = args;
      if (typeof name !== 'string') throw new RuntimeFunctionError('get_secret takes a secret name');
      return follow(await ctx.getSecret(name), rest, `secret "${name}"`);
    }
    case 'get_capability': {
      const [dep, cap, ...rest] = args;
      if (typeof dep !== 'string' || typeof cap !== 'string') {
        throw new RuntimeFunctionError('get_capability takes [deployment_id, capability, ...]');
      }
      return follow(await ctx.getCapability(dep, cap), rest, `capability "${cap}" of deployment "${dep}"`);
    }
    case 'get_input':
    case 'get_property':
      throw new RuntimeFunctionError(`${fn} should have been evaluated when planning`);
    default: {
      const result = applyCombining(fn, args);
      if ('error' in result) throw new RuntimeFunctionError(`${fn}: ${result.error}`);
      return result.value as Value;
    }
  }
}

function attributeOf(inst: RuntimeInstanceRef, attr: string, ctx: RuntimeFunctionContext): Value {
  if (Object.prototype.hasOwnProperty.call(inst.runtimeProperties, attr)) return inst.runtimeProperties[attr] as Value;
  const props = ctx.nodeProperties(inst.node);
  if (props && Object.prototype.hasOwnProperty.call(props, attr)) return props[attr] as Value;
  return null;
}

function follow(value: Value, steps: Value[], what: string): Value {
  let cur = value;
  for (const step of steps) {
    if (Array.isArray(cur) && typeof step === 'number') cur = cur[step] ?? null;
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && (typeof step === 'string' || typeof step === 'number')) {
      cur = cur[String(step)] ?? null;
    } else throw new RuntimeFunctionError(`Cannot follow ${JSON.stringify(step)} into ${what}`);
  }
  return cur;
}

/**
 * The instance an entity names. For a node name with several instances, Cloudify's rule:
 * the one on the same host as the calling instance, else in the same scaling-group
 * instance, else the one related to it by a relationship; otherwise the call is ambiguous.
 */
async function pickInstance(entity: string, ctx: RuntimeFunctionContext): Promise<RuntimeInstanceRef> {
  if (entity === 'SELF' || entity === 'SOURCE' || entity === 'TARGET') {
    const inst = entity === 'SELF' ? ctx.self : entity === 'SOURCE' ? ctx.source : ctx.target;
    if (!inst) throw new RuntimeFunctionError(`get_attribute: ${entity} has no meaning here`);
    return inst;
  }
  const instances = await ctx.instancesOf(entity);
  if (instances.length === 1 && instances[0]) return instances[0];
  if (instances.length === 0) throw new RuntimeFunctionError(`get_attribute: node "${entity}" has no instances`);
  const me = ctx.self ?? ctx.source;
  if (me) {
    const narrow = (pred: (i: RuntimeInstanceRef) => boolean): RuntimeInstanceRef | undefined => {
      const found = instances.filter(pred);
      return found.length === 1 ? found[0] : undefined;
    };
    const myHost = me.hostId;
    const sameHost = myHost ? narrow((i) => i.hostId === myHost || i.id === myHost) : undefined;
    if (sameHost) return sameHost;
    const myGroups = new Set((me.scalingGroups ?? []).map((g) => g.id));
    const sameGroup = myGroups.size > 0 ? narrow((i) => (i.scalingGroups ?? []).some((g) => myGroups.has(g.id))) : undefined;
    if (sameGroup) return sameGroup;
    const related = narrow(
      (i) =>
        (me.relationships ?? []).some((r) => r.targetId === i.id) || (i.relationships ?? []).some((r) => r.targetId === me.id),
    );
    if (related) return related;
  }
  throw new RuntimeFunctionError(
    `get_attribute: node "${entity}" has ${instances.length} instances and none is singled out by host, scaling group or relationship`,
  );
}

/** True when a planned value still holds run-time function calls. */
export function isRuntimeExpression(v: unknown): boolean {
  return containsFunction(v);
}
