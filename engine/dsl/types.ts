/**
 * Phase 3 — types: node types, relationship types, data types and policy types, resolved
 * through `derived_from` (memoised, so each type is merged once), plus the value checker
 * every later phase uses for properties, inputs and data-type fields.
 *
 * Merging (Cloudify semantics): a derived type's property schema overrides its parent's
 * field by field; an operation that gives no implementation keeps the inherited one and
 * merges its inputs over the inherited inputs; an operation that gives an implementation
 * replaces the inherited operation, inputs included.
 *
 * Problems: unknown-type (a parent), unknown-data-type, inheritance-cycle, unknown-field,
 * wrong-shape, invalid-constraint, and — from checkValue — wrong-value-type,
 * constraint-violation, missing-required-property, unknown-property.
 */
import type { Constraint, PropertySchema, RelationshipKind } from './plan-model';
import { ProblemCode } from './problem';
import { childPath } from './read';
import type { Reporter, SourceDoc } from './read';
import type { Definition, ImportedBlueprint } from './imports';
import { deepEqual, isRecord } from './imports';
import { containsFunction } from './intrinsics';
import { didYouMean } from './suggest';

/** An operation as declared (short or long form), before binding to an implementation. */
export interface OpDef {
  implementation?: string;
  inputs: Record<string, unknown>;
  executor?: string;
  maxRetries?: unknown;
  retryInterval?: unknown;
  timeout?: unknown;
  /** Where the operation is declared. */
  doc: SourceDoc;
  path: string;
  /** The file the implementation was written in (scripts resolve against it). */
  implDoc: SourceDoc;
}

/** Interface name -> operation name -> operation. */
export type Interfaces = Record<string, Record<string, OpDef>>;

/** A node or relationship type with everything inherited merged in. */
export interface ResolvedType {
  name: string;
  /** Most-derived first. */
  hierarchy: string[];
  description?: string;
  library: string;
  def: Definition;
  properties: Record<string, PropertySchema>;
  interfaces: Interfaces;
  sourceInterfaces: Interfaces;
  targetInterfaces: Interfaces;
  /** Relationship types: which base kind they derive from. */
  kind?: RelationshipKind;
}

export interface ResolvedDataType {
  name: string;
  hierarchy: string[];
  description?: string;
  library: string;
  def: Definition;
  properties: Record<string, PropertySchema>;
}

export interface ResolvedPolicyType {
  name: string;
  description?: string;
  source?: string;
  library: string;
  def?: Definition;
  properties: Record<string, PropertySchema>;
}

/** Simple types Cloudify knows (1_3 plus the 1_4 object types). */
export const SIMPLE_TYPES = new Set([
  'string',
  'integer',
  'float',
  'boolean',
  'list',
  'dict',
  'regex',
  'textarea',
  'node_id',
  'node_type',
  'node_instance',
  'scaling_group',
  'secret_key',
  'deployment_id',
  'blueprint_id',
  'capability_value',
  'operation_name',
  'group_id',
  'node_template',
]);

export const CONTAINED_IN = 'cloudify.relationships.contained_in';
export const CONNECTED_TO = 'cloudify.relationships.connected_to';
export const DEPENDS_ON = 'cloudify.relationships.depends_on';
export const SCALING_POLICY = 'cloudify.policies.scaling';

const SCHEMA_FIELDS = [
  'type',
  'description',
  'default',
  'required',
  'constraints',
  'item_type',
  'display_label',
  'display',
  'hidden',
];
const OPERATION_FIELDS = [
  'implementation',
  'inputs',
  'executor',
  'max_retries',
  'retry_interval',
  'timeout',
  'timeout_recoverable',
];
const NODE_TYPE_FIELDS = ['derived_from', 'properties', 'interfaces', 'description', 'metadata', 'capabilities'];
const REL_TYPE_FIELDS = ['derived_from', 'properties', 'source_interfaces', 'target_interfaces', 'description'];
const DATA_TYPE_FIELDS = ['derived_from', 'properties', 'description', 'version'];
const POLICY_TYPE_FIELDS = ['source', 'properties', 'description', 'derived_from'];

const CONSTRAINT_OPERATORS = [
  'equal',
  'greater_than',
  'greater_or_equal',
  'less_than',
  'less_or_equal',
  'in_range',
  'valid_values',
  'length',
  'min_length',
  'max_length',
  'pattern',
] as const;

/** Built-in scaling policy schema, used when no library declares the policy type. */
const BUILTIN_SCALING_PROPERTIES: Record<string, PropertySchema> = {
  default_instances: { type: 'integer', default: 1, required: false },
  min_instances: { type: 'integer', default: 0, required: false },
  max_instances: { type: 'integer', default: -1, required: false },
  current_instances: { type: 'integer', required: false },
  planned_instances: { type: 'integer', required: false },
};

/** Reports fields of `value` that are not in `allowed`. */
export function checkFields(
  value: Record<string, unknown>,
  allowed: readonly string[],
  what: string,
  doc: SourceDoc,
  path: string,
  reporter: Reporter,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      reporter.error(
        ProblemCode.unknownField,
        `Unknown field "${key}" in ${what}${didYouMean(key, allowed)}`,
        doc,
        childPath(path, key),
        'key',
      );
    }
  }
}

/** Everything a value check may need to know about the blueprint. */
export interface ValueCheckContext {
  nodeNames?: ReadonlySet<string>;
  groupNames?: ReadonlySet<string>;
}

export class TypeRegistry {
  private readonly nodeTypes = new Map<string, ResolvedType | null>();
  private readonly relTypes = new Map<string, ResolvedType | null>();
  private readonly dataTypes = new Map<string, ResolvedDataType | null>();
  private readonly policyTypes = new Map<string, ResolvedPolicyType | null>();
  private readonly resolving = new Set<string>();

  constructor(
    readonly blueprint: ImportedBlueprint,
    readonly reporter: Reporter,
  ) {}

  /** Resolves every declared type once, so that their problems are all reported. */
  resolveAll(): void {
    for (const name of this.blueprint.sections.data_types.keys()) this.dataType(name);
    for (const name of this.blueprint.sections.node_types.keys()) this.nodeType(name);
    for (const name of this.blueprint.sections.relationships.keys()) this.relationshipType(name);
    for (const name of this.blueprint.sections.policy_types.keys()) this.policyType(name);
  }

  nodeTypeNames(): string[] {
    return [...this.blueprint.sections.node_types.keys()];
  }

  relationshipTypeNames(): string[] {
    return [...this.blueprint.sections.relationships.keys()];
  }

  nodeType(name: string): ResolvedType | undefined {
    return this.resolveType(name, 'node');
  }

  relationshipType(name: string): ResolvedType | undefined {
    return this.resolveType(name, 'relationship');
  }

  dataType(name: string): ResolvedDataType | undefined {
    const cached = this.dataTypes.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const def = this.blueprint.sections.data_types.get(name);
    if (!def) return undefined;
    const key = `data:${name}`;
    if (this.resolving.has(key)) return undefined;
    this.resolving.add(key);
    const raw = isRecord(def.value) ? def.value : {};
    if (!isRecord(def.value)) this.shape(def, 'A data type must be a map');
    checkFields(raw, DATA_TYPE_FIELDS, `data type "${name}"`, def.doc, def.path, this.reporter);
    let parent: ResolvedDataType | undefined;
    const parentName = raw.derived_from;
    if (typeof parentName === 'string') {
      if (this.resolving.has(`data:${parentName}`)) {
        this.cycle(def, parentName);
      } else {
        parent = this.dataType(parentName);
        if (!parent && !this.blueprint.sections.data_types.has(parentName)) {
          this.reporter.error(
            ProblemCode.unknownDataType,
            `Unknown data type "${parentName}"${didYouMean(parentName, this.blueprint.sections.data_types.keys())}`,
            def.doc,
            childPath(def.path, 'derived_from'),
          );
        }
      }
    }
    const own = this.parseSchemas(raw.properties, def.doc, childPath(def.path, 'properties'));
    const resolved: ResolvedDataType = {
      name,
      hierarchy: [name, ...(parent?.hierarchy ?? [])],
      library: def.doc.library,
      def,
      properties: mergeSchemas(parent?.properties ?? {}, own),
      ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    };
    this.resolving.delete(key);
    this.dataTypes.set(name, resolved);
    return resolved;
  }

  policyType(name: string): ResolvedPolicyType | undefined {
    const cached = this.policyTypes.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const def = this.blueprint.sections.policy_types.get(name);
    if (!def) {
      if (name === SCALING_POLICY) {
        const builtin: ResolvedPolicyType = { name, library: 'core', properties: BUILTIN_SCALING_PROPERTIES };
        this.policyTypes.set(name, builtin);
        return builtin;
      }
      return undefined;
    }
    const raw = isRecord(def.value) ? def.value : {};
    if (!isRecord(def.value)) this.shape(def, 'A policy type must be a map');
    checkFields(raw, POLICY_TYPE_FIELDS, `policy type "${name}"`, def.doc, def.path, this.reporter);
    const resolved: ResolvedPolicyType = {
      name,
      library: def.doc.library,
      def,
      properties: this.parseSchemas(raw.properties, def.doc, childPath(def.path, 'properties')),
      ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
      ...(typeof raw.source === 'string' ? { source: raw.source } : {}),
    };
    this.policyTypes.set(name, resolved);
    return resolved;
  }

  private resolveType(name: string, kind: 'node' | 'relationship'): ResolvedType | undefined {
    const cache = kind === 'node' ? this.nodeTypes : this.relTypes;
    const cached = cache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const section = kind === 'node' ? this.blueprint.sections.node_types : this.blueprint.sections.relationships;
    const def = section.get(name);
    if (!def) return undefined;
    const key = `${kind}:${name}`;
    if (this.resolving.has(key)) return undefined;
    this.resolving.add(key);
    const raw = isRecord(def.value) ? def.value : {};
    if (!isRecord(def.value)) this.shape(def, `A ${kind} type must be a map`);
    checkFields(
      raw,
      kind === 'node' ? NODE_TYPE_FIELDS : REL_TYPE_FIELDS,
      `${kind === 'node' ? 'node' : 'relationship'} type "${name}"`,
      def.doc,
      def.path,
      this.reporter,
    );
    let parent: ResolvedType | undefined;
    const parentName = raw.derived_from;
    if (parentName !== undefined && parentName !== null) {
      if (typeof parentName !== 'string') {
        this.reporter.error(ProblemCode.wrongShape, '"derived_from" must be a type name', def.doc, childPath(def.path, 'derived_from'));
      } else if (this.resolving.has(`${kind}:${parentName}`)) {
        this.cycle(def, parentName);
      } else {
        parent = this.resolveType(parentName, kind);
        if (!parent && !section.has(parentName)) {
          this.reporter.error(
            ProblemCode.unknownType,
            `Unknown ${kind} type "${parentName}"${didYouMean(parentName, section.keys())}`,
            def.doc,
            childPath(def.path, 'derived_from'),
          );
        }
      }
    }
    const own = this.parseSchemas(raw.properties, def.doc, childPath(def.path, 'properties'));
    const hierarchy = [name, ...(parent?.hierarchy ?? [])];
    const resolved: ResolvedType = {
      name,
      hierarchy,
      library: def.doc.library,
      def,
      properties: mergeSchemas(parent?.properties ?? {}, own),
      interfaces: mergeInterfaces(
        parent?.interfaces ?? {},
        this.parseInterfaces(raw.interfaces, def.doc, childPath(def.path, 'interfaces'), true),
      ),
      sourceInterfaces: mergeInterfaces(
        parent?.sourceInterfaces ?? {},
        this.parseInterfaces(raw.source_interfaces, def.doc, childPath(def.path, 'source_interfaces'), true),
      ),
      targetInterfaces: mergeInterfaces(
        parent?.targetInterfaces ?? {},
        this.parseInterfaces(raw.target_interfaces, def.doc, childPath(def.path, 'target_interfaces'), true),
      ),
      ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    };
    if (kind === 'relationship') resolved.kind = relationshipKind(hierarchy);
    this.resolving.delete(key);
    cache.set(name, resolved);
    return resolved;
  }

  private cycle(def: Definition, parentName: string): void {
    this.reporter.error(
      ProblemCode.inheritanceCycle,
      `"${def.name}" derives from "${parentName}", which derives back from it`,
      def.doc,
      childPath(def.path, 'derived_from'),
    );
  }

  private shape(def: Definition, message: string): void {
    this.reporter.error(ProblemCode.wrongShape, message, def.doc, def.path);
  }

  /** Parses a `properties`/`inputs`/`parameters` schema map. */
  parseSchemas(raw: unknown, doc: SourceDoc, path: string): Record<string, PropertySchema> {
    const out: Record<string, PropertySchema> = {};
    if (raw === undefined || raw === null) return out;
    if (!isRecord(raw)) {
      this.reporter.error(ProblemCode.wrongShape, 'Expected a map of property definitions', doc, path);
      return out;
    }
    for (const [name, def] of Object.entries(raw)) {
      out[name] = this.parseSchema(def, doc, childPath(path, name));
    }
    return out;
  }

  /** Parses one property/input schema, reporting bad fields, types and constraints. */
  parseSchema(raw: unknown, doc: SourceDoc, path: string, extraFields: readonly string[] = []): PropertySchema {
    const schema: PropertySchema = { required: true };
    if (raw === null || raw === undefined) return schema;
    if (!isRecord(raw)) {
      this.reporter.error(ProblemCode.wrongShape, 'A property definition must be a map (type, default, ...)', doc, path);
      return schema;
    }
    checkFields(raw, [...SCHEMA_FIELDS, ...extraFields], 'a property definition', doc, path, this.reporter);
    if (typeof raw.type === 'string') {
      schema.type = raw.type;
      if (!SIMPLE_TYPES.has(raw.type) && !this.blueprint.sections.data_types.has(raw.type)) {
        this.reporter.error(
          ProblemCode.unknownDataType,
          `Unknown type "${raw.type}"${didYouMean(raw.type, [...SIMPLE_TYPES, ...this.blueprint.sections.data_types.keys()])}`,
          doc,
          childPath(path, 'type'),
        );
      }
    } else if (raw.type !== undefined) {
      this.reporter.error(ProblemCode.wrongShape, '"type" must be a type name', doc, childPath(path, 'type'));
    }
    if (typeof raw.description === 'string') schema.description = raw.description;
    if (raw.default !== undefined) schema.default = raw.default as PropertySchema['default'];
    if (raw.required !== undefined) {
      if (typeof raw.required === 'boolean') schema.required = raw.required;
      else this.reporter.error(ProblemCode.wrongValueType, '"required" must be true or false', doc, childPath(path, 'required'));
    }
    if (typeof raw.item_type === 'string') schema.itemType = raw.item_type;
    const display: Record<string, PropertySchema['default'] & object> | Record<string, unknown> = {};
    if (raw.display_label !== undefined) display.label = raw.display_label;
    if (raw.hidden !== undefined) display.hidden = raw.hidden;
    if (isRecord(raw.display)) Object.assign(display, raw.display);
    if (schema.type === 'textarea' || schema.type === 'secret_key') display.widget = schema.type;
    if (Object.keys(display).length > 0) schema.display = display as PropertySchema['display'];
    if (raw.constraints !== undefined) {
      const constraints = this.parseConstraints(raw.constraints, doc, childPath(path, 'constraints'));
      if (constraints.length > 0) schema.constraints = constraints;
    }
    if (schema.default !== undefined && !containsFunction(schema.default)) {
      this.checkValue(schema.default, schema, doc, childPath(path, 'default'), {});
    }
    return schema;
  }

  parseConstraints(raw: unknown, doc: SourceDoc, path: string): Constraint[] {
    const out: Constraint[] = [];
    if (!Array.isArray(raw)) {
      this.reporter.error(ProblemCode.invalidConstraint, '"constraints" must be a list', doc, path);
      return out;
    }
    raw.forEach((entry, i) => {
      const p = childPath(path, i);
      if (!isRecord(entry) || Object.keys(entry).length !== 1) {
        this.reporter.error(ProblemCode.invalidConstraint, 'A constraint is a map with one operator, e.g. {min_length: 1}', doc, p);
        return;
      }
      const [op, value] = Object.entries(entry)[0] as [string, unknown];
      if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(op)) {
        this.reporter.error(
          ProblemCode.invalidConstraint,
          `Unknown constraint "${op}"${didYouMean(op, CONSTRAINT_OPERATORS)}`,
          doc,
          childPath(p, op),
          'key',
        );
        return;
      }
      const problem = constraintArgumentProblem(op as Constraint['operator'], value);
      if (problem) {
        this.reporter.error(ProblemCode.invalidConstraint, `Constraint "${op}": ${problem}`, doc, childPath(p, op));
        return;
      }
      out.push({ operator: op as Constraint['operator'], value: value as Constraint['value'] });
    });
    return out;
  }

  /** Parses an `interfaces` map (type or template level). */
  parseInterfaces(raw: unknown, doc: SourceDoc, path: string, typeLevel: boolean): Interfaces {
    const out: Interfaces = {};
    if (raw === undefined || raw === null) return out;
    if (!isRecord(raw)) {
      this.reporter.error(ProblemCode.wrongShape, 'Expected a map of interfaces', doc, path);
      return out;
    }
    for (const [iface, ops] of Object.entries(raw)) {
      const ipath = childPath(path, iface);
      const parsed: Record<string, OpDef> = {};
      out[iface] = parsed;
      if (ops === null || ops === undefined) continue;
      if (!isRecord(ops)) {
        this.reporter.error(ProblemCode.wrongShape, `Interface "${iface}" must be a map of operations`, doc, ipath);
        continue;
      }
      for (const [op, def] of Object.entries(ops)) {
        const parsedOp = this.parseOperation(def, doc, childPath(ipath, op), typeLevel);
        if (parsedOp) parsed[op] = parsedOp;
      }
    }
    return out;
  }

  /** Short form (`create: scripts/create.sh`) or long form (`{implementation, inputs, ...}`). */
  parseOperation(raw: unknown, doc: SourceDoc, path: string, typeLevel: boolean): OpDef | undefined {
    const op: OpDef = { inputs: {}, doc, path, implDoc: doc };
    if (raw === null || raw === undefined || raw === '') return op;
    if (typeof raw === 'string') {
      op.implementation = raw;
      return op;
    }
    if (!isRecord(raw)) {
      this.reporter.error(ProblemCode.wrongShape, 'An operation is an implementation string or a map', doc, path);
      return undefined;
    }
    checkFields(raw, OPERATION_FIELDS, 'an operation', doc, path, this.reporter);
    if (typeof raw.implementation === 'string' && raw.implementation !== '') op.implementation = raw.implementation;
    else if (raw.implementation !== undefined && raw.implementation !== null && raw.implementation !== '') {
      this.reporter.error(ProblemCode.wrongShape, '"implementation" must be a string', doc, childPath(path, 'implementation'));
    }
    if (isRecord(raw.inputs)) {
      for (const [k, v] of Object.entries(raw.inputs)) {
        op.inputs[k] = typeLevel && isInputSchema(v) ? v.default : v;
        if (op.inputs[k] === undefined) delete op.inputs[k];
      }
    } else if (raw.inputs !== undefined && raw.inputs !== null) {
      this.reporter.error(ProblemCode.wrongShape, '"inputs" must be a map', doc, childPath(path, 'inputs'));
    }
    if (raw.executor !== undefined) {
      if (raw.executor === 'central_deployment_agent' || raw.executor === 'host_agent') op.executor = raw.executor;
      else {
        this.reporter.error(
          ProblemCode.wrongValueType,
          '"executor" must be central_deployment_agent or host_agent',
          doc,
          childPath(path, 'executor'),
        );
      }
    }
    if (raw.max_retries !== undefined) op.maxRetries = raw.max_retries;
    if (raw.retry_interval !== undefined) op.retryInterval = raw.retry_interval;
    if (raw.timeout !== undefined) op.timeout = raw.timeout;
    return op;
  }

  /**
   * Checks a value against a schema and returns it with data-type defaults filled in.
   * Sub-values that contain function calls are left alone (they are checked once
   * evaluated, or at run time).
   */
  checkValue(value: unknown, schema: PropertySchema, doc: SourceDoc, path: string, ctx: ValueCheckContext): unknown {
    if (value === null || value === undefined || containsFunction(value)) return value;
    const type = schema.type;
    let out: unknown = value;
    let wrongType = false;
    if (type !== undefined) {
      // No closure here: this runs for every property of every node.
      let expected: string | undefined;
      switch (type) {
        case 'string':
        case 'textarea':
        case 'secret_key':
        case 'deployment_id':
        case 'blueprint_id':
        case 'node_instance':
        case 'operation_name':
        case 'node_type':
          if (typeof value === 'object') expected = `a ${type}`;
          break;
        case 'integer':
          if (typeof value !== 'number' || !Number.isInteger(value)) expected = 'an integer';
          break;
        case 'float':
          if (typeof value !== 'number') expected = 'a number';
          break;
        case 'boolean':
          if (typeof value !== 'boolean') expected = 'a boolean';
          break;
        case 'list':
          if (!Array.isArray(value)) expected = 'a list';
          else if (schema.itemType) {
            const itemSchema: PropertySchema = { type: schema.itemType, required: false };
            out = value.map((v, i) => this.checkValue(v, itemSchema, doc, childPath(path, i), ctx));
          }
          break;
        case 'dict':
          if (!isRecord(value)) expected = 'a dict';
          else if (schema.itemType) {
            const itemSchema: PropertySchema = { type: schema.itemType, required: false };
            out = Object.fromEntries(
              Object.entries(value).map(([k, v]) => [k, this.checkValue(v, itemSchema, doc, childPath(path, k), ctx)]),
            );
          }
          break;
        case 'regex':
          if (typeof value !== 'string') expected = 'a regular expression string';
          else if (!isValidRegex(value)) {
            this.reporter.error(ProblemCode.wrongValueType, `Not a valid regular expression: ${value}`, doc, path);
          }
          break;
        case 'node_id':
        case 'node_template':
          if (typeof value !== 'string') expected = 'a node template name';
          else if (ctx.nodeNames && !ctx.nodeNames.has(value)) {
            this.reporter.error(
              ProblemCode.wrongValueType,
              `"${value}" is not a node template of this blueprint${didYouMean(value, ctx.nodeNames)}`,
              doc,
              path,
            );
          }
          break;
        case 'scaling_group':
        case 'group_id':
          if (typeof value !== 'string') expected = 'a group name';
          else if (ctx.groupNames && !ctx.groupNames.has(value)) {
            this.reporter.error(ProblemCode.wrongValueType, `"${value}" is not a group of this blueprint`, doc, path);
          }
          break;
        case 'capability_value':
          break;
        default: {
          const dt = this.dataType(type);
          if (dt) out = this.checkDataTypeValue(value, dt, doc, path, ctx);
        }
      }
      if (expected !== undefined) {
        wrongType = true;
        this.reporter.error(ProblemCode.wrongValueType, `Expected ${expected} but got ${describe(value)}`, doc, path);
      }
    }
    // A value of the wrong type would only repeat the complaint as constraint violations.
    if (schema.constraints && !wrongType) this.checkConstraints(out, schema.constraints, doc, path);
    return out;
  }

  private checkDataTypeValue(
    value: unknown,
    dt: ResolvedDataType,
    doc: SourceDoc,
    path: string,
    ctx: ValueCheckContext,
  ): unknown {
    if (!isRecord(value)) {
      this.reporter.error(ProblemCode.wrongValueType, `Expected a ${dt.name} (a map) but got ${describe(value)}`, doc, path);
      return value;
    }
    return this.checkProperties(value, dt.properties, doc, path, `data type "${dt.name}"`, ctx);
  }

  /**
   * Checks a map of values against schemas: unknown names, missing required ones, each
   * value; returns the values with defaults applied (in schema order, then the rest).
   */
  checkProperties(
    values: Record<string, unknown>,
    schemas: Record<string, PropertySchema>,
    doc: SourceDoc,
    path: string,
    what: string,
    ctx: ValueCheckContext,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(schemas)) {
      const p = childPath(path, name);
      if (Object.prototype.hasOwnProperty.call(values, name)) {
        out[name] = this.checkValue(values[name], schema, doc, p, ctx);
      } else if (schema.default !== undefined) {
        out[name] = schema.default;
      } else if (schema.required) {
        this.reporter.error(ProblemCode.missingRequiredProperty, `Missing required property "${name}" of ${what}`, doc, path, 'key');
      }
    }
    for (const name of Object.keys(values)) {
      if (Object.prototype.hasOwnProperty.call(schemas, name)) continue;
      this.reporter.error(
        ProblemCode.unknownProperty,
        `Unknown property "${name}" of ${what}${didYouMean(name, Object.keys(schemas))}`,
        doc,
        childPath(path, name),
        'key',
      );
      out[name] = values[name];
    }
    return out;
  }

  checkConstraints(value: unknown, constraints: readonly Constraint[], doc: SourceDoc, path: string): void {
    if (value === null || value === undefined || containsFunction(value)) return;
    for (const c of constraints) {
      if (!satisfies(value, c)) {
        this.reporter.error(
          ProblemCode.constraintViolation,
          `${describe(value)} violates constraint ${c.operator}: ${JSON.stringify(c.value)}`,
          doc,
          path,
        );
      }
    }
  }
}

function isInputSchema(v: unknown): v is { default?: unknown } {
  if (!isRecord(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => SCHEMA_FIELDS.includes(k));
}

export function relationshipKind(hierarchy: readonly string[]): RelationshipKind {
  if (hierarchy.includes(CONTAINED_IN)) return 'contained_in';
  if (hierarchy.includes(CONNECTED_TO)) return 'connected_to';
  return 'depends_on';
}

function mergeSchemas(
  parent: Record<string, PropertySchema>,
  own: Record<string, PropertySchema>,
): Record<string, PropertySchema> {
  const out: Record<string, PropertySchema> = { ...parent };
  for (const [name, schema] of Object.entries(own)) {
    const inherited = parent[name];
    out[name] = inherited ? { ...inherited, ...schema } : schema;
  }
  return out;
}

/** Merges one operation over an inherited one (see the file comment for the rule). */
export function mergeOperation(inherited: OpDef | undefined, own: OpDef): OpDef {
  if (!inherited || own.implementation !== undefined) return own;
  const merged: OpDef = {
    ...inherited,
    inputs: { ...inherited.inputs, ...own.inputs },
    doc: own.doc,
    path: own.path,
  };
  if (own.executor !== undefined) merged.executor = own.executor;
  if (own.maxRetries !== undefined) merged.maxRetries = own.maxRetries;
  if (own.retryInterval !== undefined) merged.retryInterval = own.retryInterval;
  if (own.timeout !== undefined) merged.timeout = own.timeout;
  return merged;
}

export function mergeInterfaces(parent: Interfaces, own: Interfaces): Interfaces {
  const out: Interfaces = {};
  for (const [iface, ops] of Object.entries(parent)) out[iface] = { ...ops };
  for (const [iface, ops] of Object.entries(own)) {
    const target = (out[iface] ??= {});
    for (const [name, op] of Object.entries(ops)) target[name] = mergeOperation(target[name], op);
  }
  return out;
}

function constraintArgumentProblem(op: Constraint['operator'], value: unknown): string | undefined {
  switch (op) {
    case 'equal':
      return value === undefined ? 'needs a value' : undefined;
    case 'greater_than':
    case 'greater_or_equal':
    case 'less_than':
    case 'less_or_equal':
      return typeof value === 'number' || typeof value === 'string' ? undefined : 'needs a number';
    case 'in_range':
      if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'number')) {
        return 'needs a list of two numbers [min, max]';
      }
      return (value[0] as number) > (value[1] as number) ? 'the range minimum is above its maximum' : undefined;
    case 'valid_values':
      return Array.isArray(value) ? undefined : 'needs a list of values';
    case 'length':
    case 'min_length':
    case 'max_length':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? undefined : 'needs a non-negative integer';
    case 'pattern':
      return typeof value === 'string' && isValidRegex(value) ? undefined : 'needs a valid regular expression';
  }
}

function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isRecord(value)) return Object.keys(value).length;
  return undefined;
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

/** True when the value meets the constraint. */
export function satisfies(value: unknown, c: Constraint): boolean {
  const v = c.value;
  switch (c.operator) {
    case 'equal':
      return deepEqual(value, v);
    case 'greater_than': {
      const d = compare(value, v);
      return d !== undefined && d > 0;
    }
    case 'greater_or_equal': {
      const d = compare(value, v);
      return d !== undefined && d >= 0;
    }
    case 'less_than': {
      const d = compare(value, v);
      return d !== undefined && d < 0;
    }
    case 'less_or_equal': {
      const d = compare(value, v);
      return d !== undefined && d <= 0;
    }
    case 'in_range': {
      const [lo, hi] = v as [number, number];
      return typeof value === 'number' && value >= lo && value <= hi;
    }
    case 'valid_values':
      return Array.isArray(v) && v.some((x) => deepEqual(x, value));
    case 'length':
      return lengthOf(value) === v;
    case 'min_length': {
      const n = lengthOf(value);
      return n !== undefined && n >= (v as number);
    }
    case 'max_length': {
      const n = lengthOf(value);
      return n !== undefined && n <= (v as number);
    }
    case 'pattern':
      return typeof value === 'string' && typeof v === 'string' && new RegExp(`^(?:${v})$`).test(value);
  }
}

function isValidRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

/** A short description of a value for messages: `"abc" (a string)`, `5 (an integer)`. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}" (a string)`;
  if (typeof value === 'number') return `${value} (${Number.isInteger(value) ? 'an integer' : 'a float'})`;
  if (typeof value === 'boolean') return `${value} (a boolean)`;
  return typeof value;
}
