/**
 * Phase 4 — templates: the blueprint's own sections checked for shape and turned into a
 * model (node templates with their types' interfaces and relationships merged, inputs,
 * plugins, groups, policies, workflows, outputs, capabilities), then the structural rules
 * over the graph of nodes.
 *
 * Problems: missing-dsl-version, unsupported-dsl-version, unknown-section (did you mean),
 * ignored-section (sections Trellis accepts but does not act on), unknown-field,
 * wrong-shape, unknown-type, unknown-relationship-type, missing-node, multiple-hosts,
 * containment-cycle, dependency-cycle, all-to-one-in-scaling-group, unknown-plugin,
 * unknown-operation (interfaces of a template the type does not know are accepted; an
 * implementation that is neither a plugin operation nor a script is not), bad-policy,
 * bad-scaling-group, unknown-workflow.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import type { DslVersion, PlanPluginDecl, PropertySchema, RelationshipKind } from './plan-model';
import { ProblemCode } from './problem';
import { childPath } from './read';
import type { Reporter, SourceDoc } from './read';
import type { Definition, ImportedBlueprint } from './imports';
import { isRecord } from './imports';
import { checkFields, mergeOperation, SCALING_POLICY, relationshipKind } from './types';
import type { Interfaces, OpDef, ResolvedPolicyType, ResolvedType, TypeRegistry } from './types';
import { didYouMean } from './suggest';
import { containsFunction } from './intrinsics';

/** An operation of a node or relationship, bound to its implementation. */
export interface OpModel extends OpDef {
  interface: string;
  name: string;
  binding: OpBinding;
  /**
   * Set on a type's operation used unchanged by many templates: one object serves them all
   * (its values hold no functions, so evaluating it per node would change nothing).
   */
  shared?: boolean;
}

export type OpBinding =
  | { kind: 'none' }
  | { kind: 'plugin'; plugin: string; operation: string }
  | { kind: 'script'; scriptPath: string };

export interface RelModel {
  index: number;
  typeName: string;
  type?: ResolvedType;
  kind: RelationshipKind;
  target: string;
  rawProperties: Record<string, unknown>;
  propertySchemas: Record<string, PropertySchema>;
  sourceOps: Record<string, OpModel>;
  targetOps: Record<string, OpModel>;
  doc: SourceDoc;
  path: string;
  /** Filled by the functions phase. */
  properties?: Record<string, unknown>;
  connectionType?: 'all_to_all' | 'all_to_one';
}

export interface NodeModel {
  name: string;
  doc: SourceDoc;
  path: string;
  typeName: string;
  type?: ResolvedType;
  rawProperties: Record<string, unknown>;
  propertySchemas: Record<string, PropertySchema>;
  /** Keyed by `<interface>.<operation>`. */
  operations: Record<string, OpModel>;
  relationships: RelModel[];
  /** Raw `capabilities.scalable.properties` (may hold get_input). */
  rawScalable: Record<string, unknown>;
  containedIn?: string;
  host?: string;
  /** Filled by the functions phase. */
  properties?: Record<string, unknown>;
  scalable?: { defaultInstances: number; minInstances: number; maxInstances: number };
}

export interface InputModel {
  name: string;
  schema: PropertySchema;
  doc: SourceDoc;
  path: string;
  given: boolean;
  /** The given value or the default; undefined when neither exists. */
  value?: unknown;
}

export interface GroupModel {
  name: string;
  members: string[];
  policies: Record<string, { type: string; rawProperties: Record<string, unknown>; path: string }>;
  doc: SourceDoc;
  path: string;
}

export interface PolicyModel {
  name: string;
  typeName: string;
  type?: ResolvedPolicyType;
  targets: string[];
  rawProperties: Record<string, unknown>;
  doc: SourceDoc;
  path: string;
  properties?: Record<string, unknown>;
}

export interface ScalingGroupModel {
  name: string;
  members: string[];
  policy: PolicyModel;
  properties?: { defaultInstances: number; minInstances: number; maxInstances: number };
}

export interface WorkflowModel {
  name: string;
  mapping: string;
  plugin?: string;
  parameters: Record<string, PropertySchema>;
  isCascading?: boolean;
  doc: SourceDoc;
  path: string;
}

export interface ValueModel {
  name: string;
  description?: string;
  raw: unknown;
  doc: SourceDoc;
  path: string;
  value?: unknown;
}

export interface Model {
  version: DslVersion;
  description?: string;
  nodes: NodeModel[];
  nodesByName: Map<string, NodeModel>;
  inputs: Map<string, InputModel>;
  plugins: Map<string, PlanPluginDecl & { doc: SourceDoc; path: string }>;
  groups: Map<string, GroupModel>;
  scalingGroups: Map<string, ScalingGroupModel>;
  /** Node or group -> the scaling groups that list it directly. */
  directGroups: Map<string, string[]>;
  policies: PolicyModel[];
  workflows: Map<string, WorkflowModel>;
  outputs: ValueModel[];
  capabilities: ValueModel[];
  /** False when the graph has cycles: instance expansion is skipped. */
  acyclic: boolean;
}

const TOP_LEVEL = [
  'tosca_definitions_version',
  'description',
  'imports',
  'inputs',
  'dsl_definitions',
  'data_types',
  'plugins',
  'node_types',
  'relationships',
  'node_templates',
  'groups',
  'policies',
  'policy_types',
  'workflows',
  'outputs',
  'capabilities',
];
const IGNORED_SECTIONS = [
  'metadata',
  'labels',
  'blueprint_labels',
  'deployment_settings',
  'resource_tags',
  'policy_triggers',
];
const NODE_FIELDS = ['type', 'properties', 'interfaces', 'relationships', 'capabilities', 'instances'];
const RELATIONSHIP_FIELDS = ['type', 'target', 'properties', 'source_interfaces', 'target_interfaces'];
const PLUGIN_FIELDS = [
  'executor',
  'source',
  'package_name',
  'package_version',
  'install',
  'install_arguments',
  'supported_platform',
  'distribution',
  'distribution_version',
  'distribution_release',
  'supported_distribution',
  'blueprint_labels',
  'labels',
  'resource_tags',
  'properties',
  'properties_description',
];
const SCALABLE_FIELDS = ['default_instances', 'min_instances', 'max_instances', 'current_instances', 'planned_instances'];
const SUPPORTED_VERSIONS: readonly string[] = ['cloudify_dsl_1_3', 'cloudify_dsl_1_4', 'cloudify_dsl_1_5'];
const OLD_VERSIONS: readonly string[] = ['cloudify_dsl_1_0', 'cloudify_dsl_1_1', 'cloudify_dsl_1_2'];
const SCRIPT_EXTENSIONS = /\.(sh|bash|py|ps1|bat|cmd|rb|pl|js|ts|yaml|yml|j2|txt|tmpl|template|json|exe)$/i;

/** The relationship property every Cloudify relationship has (in its base type). */
const CONNECTION_TYPE_SCHEMA: PropertySchema = {
  type: 'string',
  default: 'all_to_all',
  required: false,
  constraints: [{ operator: 'valid_values', value: ['all_to_all', 'all_to_one'] }],
};

/** What binding an implementation needs: the plugin names and the blueprint's folder. */
export interface BindContext {
  plugins: ReadonlySet<string>;
  mainDir: string;
  /** Shared bound operations, per type operation (see OpModel.shared). */
  shared?: Map<OpDef, OpModel>;
  /** Shared bound records, per type interfaces object, for templates that override nothing. */
  records?: Map<Interfaces, Record<string, OpModel>>;
}

export interface TemplateOptions {
  inputs?: Record<string, unknown>;
  /** Plugin names Trellis knows (from the resolver), besides the `plugins:` section. */
  knownPlugins: readonly string[];
  validateOnly?: boolean;
}

/** Builds the model of the blueprint and reports shape and structure problems. */
export function buildModel(
  bp: ImportedBlueprint,
  registry: TypeRegistry,
  reporter: Reporter,
  options: TemplateOptions,
): Model {
  const version = checkVersion(bp, reporter);
  for (const doc of bp.files) checkSections(doc, reporter);
  const root = isRecord(bp.main.value) ? bp.main.value : {};
  const model: Model = {
    version,
    nodes: [],
    nodesByName: new Map(),
    inputs: new Map(),
    plugins: new Map(),
    groups: new Map(),
    scalingGroups: new Map(),
    directGroups: new Map(),
    policies: [],
    workflows: new Map(),
    outputs: [],
    capabilities: [],
    acyclic: true,
  };
  if (typeof root.description === 'string') model.description = root.description;

  readPlugins(bp, model, reporter);
  const pluginNames = new Set<string>([...model.plugins.keys(), ...options.knownPlugins]);
  const bindCtx: BindContext = { plugins: pluginNames, mainDir: dirname(bp.main.file), shared: new Map(), records: new Map() };
  readInputs(bp, model, registry, reporter, options);
  for (const def of bp.sections.node_templates.values()) {
    const node = readNode(def, registry, reporter, bindCtx);
    if (node) {
      model.nodes.push(node);
      model.nodesByName.set(node.name, node);
    }
  }
  checkRelationshipTargets(model, reporter);
  readGroups(bp, model, reporter);
  readPolicies(bp, model, registry, reporter);
  readWorkflows(bp, model, registry, reporter, bindCtx);
  model.outputs = readValues(bp.sections.outputs, 'output', reporter);
  model.capabilities = readValues(bp.sections.capabilities, 'capability', reporter);
  checkContainment(model, reporter);
  checkDependencies(model, reporter);
  computeHosts(model);
  checkAllToOne(model, reporter);
  return model;
}

function checkVersion(bp: ImportedBlueprint, reporter: Reporter): DslVersion {
  const root = isRecord(bp.main.value) ? bp.main.value : undefined;
  const v = root?.tosca_definitions_version;
  if (v === undefined) {
    if (!bp.main.broken) {
      reporter.error(
        ProblemCode.missingDslVersion,
        'Missing "tosca_definitions_version" (e.g. cloudify_dsl_1_5)',
        bp.main,
        '',
      );
    }
    return 'cloudify_dsl_1_5';
  }
  if (typeof v === 'string' && SUPPORTED_VERSIONS.includes(v)) return v as DslVersion;
  if (typeof v === 'string' && OLD_VERSIONS.includes(v)) {
    reporter.warn(ProblemCode.unsupportedDslVersion, `${v} is read as cloudify_dsl_1_3`, bp.main, 'tosca_definitions_version');
    return 'cloudify_dsl_1_3';
  }
  reporter.error(
    ProblemCode.unsupportedDslVersion,
    `Unsupported DSL version ${JSON.stringify(v)}: Trellis reads ${SUPPORTED_VERSIONS.join(', ')}`,
    bp.main,
    'tosca_definitions_version',
  );
  return 'cloudify_dsl_1_5';
}

function checkSections(doc: SourceDoc, reporter: Reporter): void {
  if (doc.value === null || doc.value === undefined) return;
  if (!isRecord(doc.value)) {
    reporter.error(ProblemCode.wrongShape, 'A blueprint must be a map of sections', doc, '');
    return;
  }
  for (const [key, value] of Object.entries(doc.value)) {
    if (TOP_LEVEL.includes(key)) {
      const mapSection = !['tosca_definitions_version', 'description', 'imports'].includes(key);
      if (mapSection && value !== null && !isRecord(value)) {
        reporter.error(ProblemCode.wrongShape, `"${key}" must be a map`, doc, key);
      }
      continue;
    }
    if (IGNORED_SECTIONS.includes(key)) {
      reporter.warn(ProblemCode.ignoredSection, `Section "${key}" is accepted but Trellis does not act on it yet`, doc, key, 'key');
      continue;
    }
    reporter.error(
      ProblemCode.unknownSection,
      `Unknown section "${key}"${didYouMean(key, [...TOP_LEVEL, ...IGNORED_SECTIONS])}`,
      doc,
      key,
      'key',
    );
  }
}

function readPlugins(bp: ImportedBlueprint, model: Model, reporter: Reporter): void {
  for (const def of bp.sections.plugins.values()) {
    const raw = def.value;
    if (!isRecord(raw)) {
      reporter.error(ProblemCode.wrongShape, `Plugin "${def.name}" must be a map (executor, package_name, ...)`, def.doc, def.path);
      continue;
    }
    checkFields(raw, PLUGIN_FIELDS, `plugin "${def.name}"`, def.doc, def.path, reporter);
    let executor: PlanPluginDecl['executor'] = 'central_deployment_agent';
    if (raw.executor === 'host_agent') executor = 'host_agent';
    else if (raw.executor !== undefined && raw.executor !== 'central_deployment_agent') {
      reporter.error(
        ProblemCode.wrongValueType,
        '"executor" must be central_deployment_agent or host_agent',
        def.doc,
        childPath(def.path, 'executor'),
      );
    }
    const decl: PlanPluginDecl & { doc: SourceDoc; path: string } = { name: def.name, executor, doc: def.doc, path: def.path };
    if (typeof raw.package_name === 'string') decl.packageName = raw.package_name;
    if (typeof raw.package_version === 'string' || typeof raw.package_version === 'number') decl.packageVersion = String(raw.package_version);
    if (typeof raw.source === 'string') decl.source = raw.source;
    model.plugins.set(def.name, decl);
  }
}

function readInputs(
  bp: ImportedBlueprint,
  model: Model,
  registry: TypeRegistry,
  reporter: Reporter,
  options: TemplateOptions,
): void {
  const given = options.inputs ?? {};
  for (const def of bp.sections.inputs.values()) {
    const schema = registry.parseSchema(def.value, def.doc, def.path);
    const input: InputModel = { name: def.name, schema, doc: def.doc, path: def.path, given: false };
    if (Object.prototype.hasOwnProperty.call(given, def.name)) {
      input.given = true;
      input.value = given[def.name];
    } else if (schema.default !== undefined) {
      input.value = schema.default;
    } else if (schema.required) {
      const message = `Missing value for required input "${def.name}" (it has no default)`;
      if (options.validateOnly) reporter.warn(ProblemCode.missingInput, message, def.doc, def.path, 'key');
      else reporter.error(ProblemCode.missingInput, message, def.doc, def.path, 'key');
    } else {
      input.value = null;
    }
    model.inputs.set(def.name, input);
  }
  for (const name of Object.keys(given)) {
    if (!model.inputs.has(name)) {
      reporter.error(
        ProblemCode.unknownInput,
        `Input "${name}" is given but the blueprint does not declare it${didYouMean(name, model.inputs.keys())}`,
        bp.main,
        'inputs',
        'key',
      );
    }
  }
}

function readNode(def: Definition, registry: TypeRegistry, reporter: Reporter, bind: BindContext): NodeModel | undefined {
  const { doc, path } = def;
  const raw = def.value;
  if (!isRecord(raw)) {
    reporter.error(ProblemCode.wrongShape, `Node template "${def.name}" must be a map with a type`, doc, path);
    return undefined;
  }
  checkFields(raw, NODE_FIELDS, `node template "${def.name}"`, doc, path, reporter);
  const typeName = typeof raw.type === 'string' ? raw.type : '';
  const node: NodeModel = {
    name: def.name,
    doc,
    path,
    typeName,
    rawProperties: {},
    propertySchemas: {},
    operations: {},
    relationships: [],
    rawScalable: {},
  };
  if (typeName === '') {
    reporter.error(ProblemCode.wrongShape, `Node template "${def.name}" needs a "type"`, doc, raw.type === undefined ? path : childPath(path, 'type'), 'key');
  } else {
    node.type = registry.nodeType(typeName);
    if (!node.type) {
      reporter.error(
        ProblemCode.unknownType,
        `Unknown node type "${typeName}"${didYouMean(typeName, registry.nodeTypeNames())}`,
        doc,
        childPath(path, 'type'),
      );
    }
  }
  node.propertySchemas = node.type?.properties ?? {};
  if (isRecord(raw.properties)) node.rawProperties = raw.properties;
  else if (raw.properties !== undefined && raw.properties !== null) {
    reporter.error(ProblemCode.wrongShape, '"properties" must be a map', doc, childPath(path, 'properties'));
  }
  const own = registry.parseInterfaces(raw.interfaces, doc, childPath(path, 'interfaces'), false);
  node.operations = bindInterfaces(node.type?.interfaces ?? {}, own, bind, reporter);
  readScalable(raw, node, reporter);
  if (Array.isArray(raw.relationships)) {
    raw.relationships.forEach((r, i) => {
      const rel = readRelationship(r, i, node, registry, reporter, bind);
      if (rel) node.relationships.push(rel);
    });
  } else if (raw.relationships !== undefined && raw.relationships !== null) {
    reporter.error(ProblemCode.wrongShape, '"relationships" must be a list', doc, childPath(path, 'relationships'));
  }
  return node;
}

function readScalable(raw: Record<string, unknown>, node: NodeModel, reporter: Reporter): void {
  const { doc, path } = node;
  if (isRecord(raw.instances)) {
    // DSL 1_0–1_2 `instances: {deploy: N}`.
    if (raw.instances.deploy !== undefined) node.rawScalable.default_instances = raw.instances.deploy;
    reporter.warn(ProblemCode.unknownField, '"instances.deploy" is deprecated: use capabilities.scalable.properties.default_instances', doc, childPath(path, 'instances'), 'key');
  }
  const caps = raw.capabilities;
  if (caps === undefined || caps === null) return;
  const cpath = childPath(path, 'capabilities');
  if (!isRecord(caps)) {
    reporter.error(ProblemCode.wrongShape, '"capabilities" must be a map', doc, cpath);
    return;
  }
  checkFields(caps, ['scalable'], 'node capabilities', doc, cpath, reporter);
  const scalable = caps.scalable;
  if (!isRecord(scalable)) return;
  const spath = childPath(cpath, 'scalable');
  checkFields(scalable, ['properties'], 'the scalable capability', doc, spath, reporter);
  const props = scalable.properties;
  if (!isRecord(props)) return;
  checkFields(props, SCALABLE_FIELDS, 'scalable properties', doc, childPath(spath, 'properties'), reporter);
  Object.assign(node.rawScalable, props);
}

function readRelationship(
  raw: unknown,
  index: number,
  node: NodeModel,
  registry: TypeRegistry,
  reporter: Reporter,
  bind: BindContext,
): RelModel | undefined {
  const doc = node.doc;
  const path = childPath(childPath(node.path, 'relationships'), index);
  if (!isRecord(raw)) {
    reporter.error(ProblemCode.wrongShape, 'A relationship is a map with type and target', doc, path);
    return undefined;
  }
  checkFields(raw, RELATIONSHIP_FIELDS, 'a relationship', doc, path, reporter);
  const typeName = typeof raw.type === 'string' ? raw.type : '';
  const target = typeof raw.target === 'string' ? raw.target : '';
  if (typeName === '') reporter.error(ProblemCode.wrongShape, 'A relationship needs a "type"', doc, path);
  if (target === '') reporter.error(ProblemCode.wrongShape, 'A relationship needs a "target" node', doc, path);
  const type = typeName ? registry.relationshipType(typeName) : undefined;
  if (typeName && !type) {
    reporter.error(
      ProblemCode.unknownRelationshipType,
      `Unknown relationship type "${typeName}"${didYouMean(typeName, registry.relationshipTypeNames())}`,
      doc,
      childPath(path, 'type'),
    );
  }
  const kind = type?.kind ?? relationshipKind([typeName]);
  const rel: RelModel = {
    index,
    typeName,
    kind,
    target,
    rawProperties: isRecord(raw.properties) ? raw.properties : {},
    propertySchemas: { connection_type: CONNECTION_TYPE_SCHEMA, ...(type?.properties ?? {}) },
    sourceOps: {},
    targetOps: {},
    doc,
    path,
  };
  if (type) rel.type = type;
  if (raw.properties !== undefined && raw.properties !== null && !isRecord(raw.properties)) {
    reporter.error(ProblemCode.wrongShape, '"properties" must be a map', doc, childPath(path, 'properties'));
  }
  rel.sourceOps = bindInterfaces(
    type?.sourceInterfaces ?? {},
    registry.parseInterfaces(raw.source_interfaces, doc, childPath(path, 'source_interfaces'), false),
    bind,
    reporter,
  );
  rel.targetOps = bindInterfaces(
    type?.targetInterfaces ?? {},
    registry.parseInterfaces(raw.target_interfaces, doc, childPath(path, 'target_interfaces'), false),
    bind,
    reporter,
  );
  return rel;
}

/** Merges template operations over the type's and binds every one to its implementation. */
function bindInterfaces(
  typeIfaces: Interfaces,
  own: Interfaces,
  bind: BindContext,
  reporter: Reporter,
): Record<string, OpModel> {
  const noOverrides = isEmpty(own);
  // Most templates override nothing: they all share the type's bound record.
  if (noOverrides) {
    const cached = bind.records?.get(typeIfaces);
    if (cached) return cached;
  }
  const out: Record<string, OpModel> = {};
  let allShared = true;
  const add = (iface: string, name: string, op: OpDef, report: boolean): void => {
    allShared = false;
    out[`${iface}.${name}`] = { ...op, interface: iface, name, binding: bindImplementation(op, bind, report ? reporter : undefined) };
  };
  for (const iface in typeIfaces) {
    const ops = typeIfaces[iface] as Record<string, OpDef>;
    const overridden = own[iface];
    for (const name in ops) {
      if (overridden?.[name]) continue;
      const op = ops[name] as OpDef;
      // Type operations are reported once, against the type, only for blueprint types.
      const cache = bind.shared;
      let shared = cache?.get(op);
      if (!shared && cache && !containsFunction([op.inputs, op.maxRetries, op.retryInterval, op.timeout])) {
        shared = { ...op, interface: iface, name, binding: bindImplementation(op, bind), shared: true };
        cache.set(op, shared);
      }
      if (shared) out[`${iface}.${name}`] = shared;
      else add(iface, name, op, false);
    }
  }
  for (const [iface, ops] of Object.entries(own)) {
    for (const [name, op] of Object.entries(ops)) add(iface, name, mergeOperation(typeIfaces[iface]?.[name], op), true);
  }
  if (noOverrides && allShared && bind.records) {
    bind.records.set(typeIfaces, out);
    sharedRecords.add(out);
  }
  return out;
}

/** Operation records shared by every template of a type that overrides nothing. */
export const sharedRecords = new WeakSet<Record<string, OpModel>>();

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * `<plugin>.<rest>` when the first segment is a known plugin; a script path when it looks
 * like a file; otherwise an unknown-plugin problem.
 */
export function bindImplementation(op: OpDef, bind: BindContext, reporter?: Reporter): OpBinding {
  const impl = op.implementation;
  if (impl === undefined) return { kind: 'none' };
  const plugins = bind.plugins;
  const dot = impl.indexOf('.');
  const first = dot > 0 ? impl.slice(0, dot) : impl;
  if (dot > 0 && !impl.includes('/') && plugins.has(first)) {
    return { kind: 'plugin', plugin: first, operation: impl.slice(dot + 1) };
  }
  if (impl.includes('/') || impl.includes('\\') || SCRIPT_EXTENSIONS.test(impl)) {
    // Cloudify resolves scripts against the blueprint's root folder, whichever of its files
    // names them; a shipped library's scripts live beside the library.
    const base = op.implDoc.library === 'blueprint' ? bind.mainDir : dirname(op.implDoc.file);
    return { kind: 'script', scriptPath: resolvePath(base, impl) };
  }
  reporter?.error(
    ProblemCode.unknownPlugin,
    `"${impl}" names no known plugin ("${first}"${didYouMean(first, plugins)}; plugins: ${[...plugins].sort().join(', ') || 'none'}) and is not a script path`,
    op.doc,
    typeof op.implementation === 'string' && op.doc.locs.has(childPath(op.path, 'implementation')) ? childPath(op.path, 'implementation') : op.path,
  );
  return { kind: 'none' };
}

function checkRelationshipTargets(model: Model, reporter: Reporter): void {
  for (const node of model.nodes) {
    let host: RelModel | undefined;
    for (const rel of node.relationships) {
      if (rel.target !== '' && !model.nodesByName.has(rel.target)) {
        reporter.error(
          ProblemCode.missingNode,
          `Relationship target "${rel.target}" is not a node template${didYouMean(rel.target, model.nodesByName.keys())}`,
          rel.doc,
          childPath(rel.path, 'target'),
        );
        continue;
      }
      if (rel.kind === 'contained_in' && rel.target !== '') {
        if (host) {
          reporter.error(
            ProblemCode.multipleHosts,
            `"${node.name}" is contained in both "${host.target}" and "${rel.target}": a node has one container`,
            rel.doc,
            rel.path,
          );
        } else {
          host = rel;
          node.containedIn = rel.target;
        }
      }
    }
  }
}

function readGroups(bp: ImportedBlueprint, model: Model, reporter: Reporter): void {
  for (const def of bp.sections.groups.values()) {
    const raw = def.value;
    if (!isRecord(raw)) {
      reporter.error(ProblemCode.wrongShape, `Group "${def.name}" must be a map with members`, def.doc, def.path);
      continue;
    }
    checkFields(raw, ['members', 'policies'], `group "${def.name}"`, def.doc, def.path, reporter);
    const group: GroupModel = { name: def.name, members: [], policies: {}, doc: def.doc, path: def.path };
    const mpath = childPath(def.path, 'members');
    if (!Array.isArray(raw.members) || raw.members.length === 0) {
      reporter.error(ProblemCode.wrongShape, `Group "${def.name}" needs a non-empty "members" list`, def.doc, raw.members === undefined ? def.path : mpath);
    } else {
      const seen = new Set<string>();
      raw.members.forEach((m, i) => {
        if (typeof m !== 'string') {
          reporter.error(ProblemCode.wrongShape, 'A group member is a node or group name', def.doc, childPath(mpath, i));
          return;
        }
        if (seen.has(m)) return;
        seen.add(m);
        group.members.push(m);
      });
    }
    if (isRecord(raw.policies)) {
      for (const [pname, p] of Object.entries(raw.policies)) {
        const ppath = childPath(childPath(def.path, 'policies'), pname);
        if (!isRecord(p) || typeof p.type !== 'string') {
          reporter.error(ProblemCode.badPolicy, `Group policy "${pname}" needs a type`, def.doc, ppath);
          continue;
        }
        group.policies[pname] = { type: p.type, rawProperties: isRecord(p.properties) ? p.properties : {}, path: ppath };
      }
    }
    model.groups.set(def.name, group);
  }
  for (const group of model.groups.values()) {
    group.members.forEach((m, i) => {
      if (model.nodesByName.has(m) || model.groups.has(m)) return;
      reporter.error(
        ProblemCode.missingNode,
        `Group member "${m}" is neither a node template nor a group${didYouMean(m, [...model.nodesByName.keys(), ...model.groups.keys()])}`,
        group.doc,
        childPath(childPath(group.path, 'members'), i),
      );
    });
  }
}

function readPolicies(bp: ImportedBlueprint, model: Model, registry: TypeRegistry, reporter: Reporter): void {
  const scaledBy = new Map<string, string>();
  for (const def of bp.sections.policies.values()) {
    const raw = def.value;
    if (!isRecord(raw)) {
      reporter.error(ProblemCode.badPolicy, `Policy "${def.name}" must be a map with type and targets`, def.doc, def.path);
      continue;
    }
    checkFields(raw, ['type', 'properties', 'targets'], `policy "${def.name}"`, def.doc, def.path, reporter);
    const typeName = typeof raw.type === 'string' ? raw.type : '';
    const policy: PolicyModel = {
      name: def.name,
      typeName,
      targets: [],
      rawProperties: isRecord(raw.properties) ? raw.properties : {},
      doc: def.doc,
      path: def.path,
    };
    const type = typeName ? registry.policyType(typeName) : undefined;
    if (type) policy.type = type;
    else {
      reporter.error(
        ProblemCode.unknownType,
        typeName ? `Unknown policy type "${typeName}"${didYouMean(typeName, [SCALING_POLICY, ...bp.sections.policy_types.keys()])}` : `Policy "${def.name}" needs a type`,
        def.doc,
        typeName ? childPath(def.path, 'type') : def.path,
      );
    }
    const tpath = childPath(def.path, 'targets');
    if (!Array.isArray(raw.targets) || raw.targets.length === 0) {
      reporter.error(ProblemCode.badPolicy, `Policy "${def.name}" needs a non-empty "targets" list`, def.doc, raw.targets === undefined ? def.path : tpath);
    } else {
      raw.targets.forEach((t, i) => {
        const p = childPath(tpath, i);
        if (typeof t !== 'string') {
          reporter.error(ProblemCode.badPolicy, 'A policy target is a group or node name', def.doc, p);
          return;
        }
        const isScaling = typeName === SCALING_POLICY;
        if (isScaling && !model.groups.has(t)) {
          reporter.error(
            ProblemCode.badScalingGroup,
            `Scaling policy target "${t}" is not a group${didYouMean(t, model.groups.keys())}`,
            def.doc,
            p,
          );
          return;
        }
        if (!model.groups.has(t) && !model.nodesByName.has(t)) {
          reporter.error(ProblemCode.badPolicy, `Policy target "${t}" is neither a group nor a node template`, def.doc, p);
          return;
        }
        if (isScaling) {
          const other = scaledBy.get(t);
          if (other) {
            reporter.error(ProblemCode.badScalingGroup, `Group "${t}" is already scaled by policy "${other}"`, def.doc, p);
            return;
          }
          scaledBy.set(t, def.name);
        }
        policy.targets.push(t);
      });
    }
    model.policies.push(policy);
    if (typeName === SCALING_POLICY) {
      for (const t of policy.targets) {
        const group = model.groups.get(t);
        if (group) model.scalingGroups.set(t, { name: t, members: group.members, policy });
      }
    }
  }
  // Which scaling groups list each node or group directly; a member of two groups that are
  // not nested in each other cannot be scaled consistently.
  for (const g of model.scalingGroups.values()) {
    for (const m of g.members) {
      const list = model.directGroups.get(m) ?? [];
      list.push(g.name);
      model.directGroups.set(m, list);
    }
  }
  for (const [member, groups] of model.directGroups) {
    if (model.scalingGroups.has(member) && groups.length > 1) {
      const g = model.groups.get(member);
      if (g) reporter.error(ProblemCode.badScalingGroup, `Scaling group "${member}" is a member of several scaling groups (${groups.join(', ')})`, g.doc, g.path, 'key');
    }
  }
  for (const g of model.scalingGroups.values()) {
    // A group nested in itself through its members.
    const seen = new Set<string>();
    let cur: string | undefined = g.name;
    while (cur !== undefined) {
      if (seen.has(cur)) {
        const gm = model.groups.get(g.name);
        if (gm) reporter.error(ProblemCode.badScalingGroup, `Scaling group "${g.name}" contains itself`, gm.doc, gm.path, 'key');
        model.acyclic = false;
        break;
      }
      seen.add(cur);
      cur = model.directGroups.get(cur)?.find((x) => model.scalingGroups.has(x));
    }
  }
}

function readWorkflows(
  bp: ImportedBlueprint,
  model: Model,
  registry: TypeRegistry,
  reporter: Reporter,
  bind: BindContext,
): void {
  for (const def of bp.sections.workflows.values()) {
    const raw = def.value;
    let mapping: string | undefined;
    let parameters: Record<string, PropertySchema> = {};
    let isCascading: boolean | undefined;
    if (typeof raw === 'string') mapping = raw;
    else if (isRecord(raw)) {
      checkFields(raw, ['mapping', 'parameters', 'is_cascading', 'availability_rules'], `workflow "${def.name}"`, def.doc, def.path, reporter);
      if (typeof raw.mapping === 'string') mapping = raw.mapping;
      parameters = registry.parseSchemas(raw.parameters, def.doc, childPath(def.path, 'parameters'));
      if (typeof raw.is_cascading === 'boolean') isCascading = raw.is_cascading;
    }
    if (mapping === undefined) {
      reporter.error(ProblemCode.unknownWorkflow, `Workflow "${def.name}" needs a "mapping" (<plugin>.<operation>)`, def.doc, def.path);
      continue;
    }
    const dot = mapping.indexOf('.');
    const plugin = dot > 0 ? mapping.slice(0, dot) : undefined;
    if (def.doc.library === 'blueprint' && (plugin === undefined || !bind.plugins.has(plugin))) {
      reporter.error(
        ProblemCode.unknownPlugin,
        `Workflow mapping "${mapping}" names no known plugin (plugins: ${[...bind.plugins].sort().join(', ') || 'none'})`,
        def.doc,
        isRecord(raw) ? childPath(def.path, 'mapping') : def.path,
      );
    }
    const wf: WorkflowModel = { name: def.name, mapping, parameters, doc: def.doc, path: def.path };
    if (plugin !== undefined) wf.plugin = plugin;
    if (isCascading !== undefined) wf.isCascading = isCascading;
    model.workflows.set(def.name, wf);
  }
}

function readValues(section: Map<string, Definition>, what: string, reporter: Reporter): ValueModel[] {
  const out: ValueModel[] = [];
  for (const def of section.values()) {
    const raw = def.value;
    if (!isRecord(raw) || !Object.prototype.hasOwnProperty.call(raw, 'value')) {
      reporter.error(ProblemCode.wrongShape, `The ${what} "${def.name}" needs a "value"`, def.doc, def.path);
      continue;
    }
    checkFields(raw, ['value', 'description'], `${what} "${def.name}"`, def.doc, def.path, reporter);
    const v: ValueModel = { name: def.name, raw: raw.value, doc: def.doc, path: def.path };
    if (typeof raw.description === 'string') v.description = raw.description;
    out.push(v);
  }
  return out;
}

function checkContainment(model: Model, reporter: Reporter): void {
  // Colour walk along the single containedIn pointer: linear in the number of nodes.
  const state = new Map<string, 1 | 2>();
  for (const node of model.nodes) {
    const chain: NodeModel[] = [];
    let cur: NodeModel | undefined = node;
    while (cur && !state.has(cur.name)) {
      state.set(cur.name, 1);
      chain.push(cur);
      cur = cur.containedIn ? model.nodesByName.get(cur.containedIn) : undefined;
    }
    if (cur && state.get(cur.name) === 1) {
      const start = chain.indexOf(cur);
      const cycle = chain.slice(start).map((n) => n.name);
      const rel = cur.relationships.find((r) => r.kind === 'contained_in');
      reporter.error(
        ProblemCode.containmentCycle,
        `contained_in cycle: ${[...cycle, cur.name].join(' -> ')}`,
        cur.doc,
        rel ? rel.path : cur.path,
      );
      model.acyclic = false;
      for (const n of chain.slice(start)) delete n.containedIn;
    }
    for (const n of chain) state.set(n.name, 2);
  }
}

function checkDependencies(model: Model, reporter: Reporter): void {
  // Kahn's algorithm over relationships (source depends on target); what is left is cyclic.
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of model.nodes) indegree.set(node.name, 0);
  for (const node of model.nodes) {
    for (const rel of node.relationships) {
      if (!model.nodesByName.has(rel.target)) continue;
      indegree.set(node.name, (indegree.get(node.name) ?? 0) + 1);
      const list = dependents.get(rel.target) ?? [];
      list.push(node.name);
      dependents.set(rel.target, list);
    }
  }
  const queue = model.nodes.filter((n) => indegree.get(n.name) === 0).map((n) => n.name);
  let done = 0;
  for (let i = 0; i < queue.length; i++) {
    done++;
    for (const d of dependents.get(queue[i] as string) ?? []) {
      const left = (indegree.get(d) ?? 0) - 1;
      indegree.set(d, left);
      if (left === 0) queue.push(d);
    }
  }
  if (done === model.nodes.length) return;
  model.acyclic = false;
  // Report each cycle once, on a relationship that closes it.
  const reported = new Set<string>();
  for (const node of model.nodes) {
    if ((indegree.get(node.name) ?? 0) === 0 || reported.has(node.name)) continue;
    const cycle = findCycle(node.name, model, indegree);
    if (!cycle) continue;
    cycle.nodes.forEach((n) => reported.add(n));
    // A cycle made only of contained_in was reported as a containment cycle already.
    if (cycle.allContainment) continue;
    reporter.error(
      ProblemCode.dependencyCycle,
      `Dependency cycle: ${[...cycle.nodes, cycle.nodes[0]].join(' -> ')}`,
      cycle.rel.doc,
      cycle.rel.path,
    );
  }
}

function findCycle(
  start: string,
  model: Model,
  indegree: Map<string, number>,
): { nodes: string[]; rel: RelModel; allContainment: boolean } | undefined {
  // Walk forward along relationships that stay inside the cyclic remainder until a node
  // repeats; the repeated stretch is a cycle.
  const path: string[] = [];
  const rels: RelModel[] = [];
  const index = new Map<string, number>();
  let cur: string | undefined = start;
  while (cur !== undefined && !index.has(cur)) {
    index.set(cur, path.length);
    path.push(cur);
    const node = model.nodesByName.get(cur);
    const rel = node?.relationships.find((r) => (indegree.get(r.target) ?? 0) > 0 && model.nodesByName.has(r.target));
    if (!rel) return undefined;
    rels.push(rel);
    cur = rel.target;
  }
  if (cur === undefined) return undefined;
  const from = index.get(cur) ?? 0;
  const cycleRels = rels.slice(from);
  const last = cycleRels[cycleRels.length - 1];
  if (!last) return undefined;
  return { nodes: path.slice(from), rel: last, allContainment: cycleRels.every((r) => r.kind === 'contained_in') };
}

function computeHosts(model: Model): void {
  const memo = new Map<string, string | null>();
  const hostOf = (node: NodeModel, depth: number): string | null => {
    const cached = memo.get(node.name);
    if (cached !== undefined) return cached;
    let host: string | null = null;
    if (node.type?.hierarchy.includes('cloudify.nodes.Compute')) host = node.name;
    else if (node.containedIn && depth < 10_000) {
      const parent = model.nodesByName.get(node.containedIn);
      host = parent ? hostOf(parent, depth + 1) : null;
    }
    memo.set(node.name, host);
    return host;
  };
  for (const node of model.nodes) {
    const h = hostOf(node, 0);
    if (h !== null) node.host = h;
  }
}

/** Scaling groups a node is inside, directly or through its containers and nested groups. */
export function enclosingGroups(model: Model, name: string): Set<string> {
  const out = new Set<string>();
  const addGroup = (g: string): void => {
    if (out.has(g)) return;
    out.add(g);
    for (const parent of model.directGroups.get(g) ?? []) addGroup(parent);
  };
  let cur: string | undefined = name;
  let guard = 0;
  while (cur !== undefined && guard++ < 10_000) {
    for (const g of model.directGroups.get(cur) ?? []) addGroup(g);
    cur = model.nodesByName.get(cur)?.containedIn;
  }
  return out;
}

function checkAllToOne(model: Model, reporter: Reporter): void {
  if (model.scalingGroups.size === 0) return;
  for (const node of model.nodes) {
    for (const rel of node.relationships) {
      const ct = rel.rawProperties.connection_type;
      if (ct !== 'all_to_one') continue;
      const sourceGroups = enclosingGroups(model, node.name);
      if (sourceGroups.size === 0) continue;
      const targetGroups = enclosingGroups(model, rel.target);
      const shared = [...sourceGroups].find((g) => targetGroups.has(g));
      if (shared) {
        reporter.error(
          ProblemCode.allToOneInScalingGroup,
          `all_to_one relationship from "${node.name}" to "${rel.target}", both in scaling group "${shared}": each group instance has its own target instances`,
          rel.doc,
          childPath(childPath(rel.path, 'properties'), 'connection_type'),
        );
      }
    }
  }
}

/**
 * Reports implementations that name no known plugin in the blueprint's own types (library
 * types are Trellis's responsibility; templates' operations are reported when bound).
 */
export function reportTypeImplementations(
  registry: TypeRegistry,
  model: Model,
  knownPlugins: readonly string[],
  reporter: Reporter,
): void {
  const bind: BindContext = { plugins: new Set<string>([...model.plugins.keys(), ...knownPlugins]), mainDir: dirname(registry.blueprint.main.file) };
  const check = (t: ResolvedType | undefined): void => {
    if (!t || t.def.doc.library !== 'blueprint') return;
    const prefix = `${t.def.path}.`;
    for (const ifaces of [t.interfaces, t.sourceInterfaces, t.targetInterfaces]) {
      for (const ops of Object.values(ifaces)) {
        for (const op of Object.values(ops)) {
          if (op.doc === t.def.doc && op.path.startsWith(prefix)) bindImplementation(op, bind, reporter);
        }
      }
    }
  };
  for (const name of registry.nodeTypeNames()) check(registry.nodeType(name));
  for (const name of registry.relationshipTypeNames()) check(registry.relationshipType(name));
}
