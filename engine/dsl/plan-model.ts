/**
 * The Plan: what the compiler (engine/dsl) hands to the rest of the engine. It is plain,
 * JSON-serialisable data so it can be stored with a deployment, sent over the host contract
 * and compared in golden tests.
 *
 * Values: plan-time intrinsic functions (get_input, get_property, concat/merge/string_* of
 * plan-time values) are already evaluated. Run-time functions (get_attribute,
 * get_attributes_list, get_attributes_dict, get_secret, get_capability, and concat/merge/
 * string_* over them) stay in their YAML form, e.g. `{ get_attribute: [SELF, ip] }`, and are
 * evaluated by the engine at call time with `evaluateRuntimeValue` (engine/dsl/functions.ts).
 */
import type { SourceRange } from './problem';

/** A JSON value, possibly containing unevaluated run-time function objects. */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export const DslVersion = {
  v1_3: 'cloudify_dsl_1_3',
  v1_4: 'cloudify_dsl_1_4',
  v1_5: 'cloudify_dsl_1_5',
} as const;
export type DslVersion = (typeof DslVersion)[keyof typeof DslVersion];

/** Property / input / data-type field schema, after data types are resolved. */
export interface PropertySchema {
  type?: string;
  description?: string;
  default?: Value;
  required: boolean;
  constraints?: Constraint[];
  /** For list/dict: the type of the entries (DSL 1_3+ `item_type`). */
  itemType?: string;
  /** Display hint for the designer (e.g. `textarea`, `secret_key`). */
  display?: Record<string, Value>;
}

/** One constraint in its canonical form, e.g. `{ operator: 'in_range', value: [1, 10] }`. */
export interface Constraint {
  operator:
    | 'equal'
    | 'greater_than'
    | 'greater_or_equal'
    | 'less_than'
    | 'less_or_equal'
    | 'in_range'
    | 'valid_values'
    | 'length'
    | 'min_length'
    | 'max_length'
    | 'pattern';
  value: Value;
}

export const OperationKind = {
  /** A plugin operation: `<plugin>.<module path>.<function>`. */
  plugin: 'plugin',
  /** A script path relative to the blueprint; run by the `script` plugin. */
  script: 'script',
  /** Declared without implementation: skipped with an event. */
  none: 'none',
} as const;
export type OperationKind = (typeof OperationKind)[keyof typeof OperationKind];

/** An operation bound to its implementation, with defaults applied. */
export interface PlanOperation {
  /** Interface name, e.g. `cloudify.interfaces.lifecycle`. */
  interface: string;
  /** Operation name inside the interface, e.g. `create`. */
  name: string;
  kind: OperationKind;
  /** The implementation string as written (plugin operation or script path). */
  implementation: string;
  /** For kind=plugin: the plugin name (first segment of the implementation). */
  plugin?: string;
  /** For kind=plugin: the operation inside the plugin (implementation minus the plugin). */
  operation?: string;
  /** For kind=script: the script path resolved against the declaring file's folder. */
  scriptPath?: string;
  inputs: Record<string, Value>;
  executor: 'central_deployment_agent' | 'host_agent';
  /** -1 means retry forever (Cloudify semantics); undefined means the engine default. */
  maxRetries?: number;
  /** Seconds. */
  retryInterval?: number;
  /** Seconds. */
  timeout?: number;
}

/** Operations keyed by `<interface>.<name>`, e.g. `cloudify.interfaces.lifecycle.create`. */
export type PlanOperations = Record<string, PlanOperation>;

/** Which of the three base relationship kinds a relationship type derives from. */
export type RelationshipKind = 'contained_in' | 'connected_to' | 'depends_on';

export interface PlanRelationship {
  /** The relationship type as written, e.g. `cloudify.relationships.contained_in`. */
  type: string;
  /** The type and its ancestors, most-derived first. */
  typeHierarchy: string[];
  kind: RelationshipKind;
  target: string;
  connectionType: 'all_to_all' | 'all_to_one';
  properties: Record<string, Value>;
  sourceOperations: PlanOperations;
  targetOperations: PlanOperations;
}

export interface ScalableProperties {
  defaultInstances: number;
  minInstances: number;
  /** -1 means unbounded. */
  maxInstances: number;
}

export interface PlanNode {
  name: string;
  type: string;
  /** The type and its ancestors, most-derived first (ends with `cloudify.nodes.Root`). */
  typeHierarchy: string[];
  properties: Record<string, Value>;
  operations: PlanOperations;
  /** In declaration order (install groups relationship operations by target in this order). */
  relationships: PlanRelationship[];
  /** The node this one is contained_in, if any. */
  containedIn?: string;
  /** The nearest Compute ancestor through contained_in (itself if it is a Compute). */
  host?: string;
  capabilities: { scalable: ScalableProperties };
  /** Plugins the node's operations use (names from the `plugins` section). */
  plugins: string[];
}

export interface PlanGroup {
  name: string;
  members: string[];
  policies: Record<string, { type: string; properties: Record<string, Value> }>;
}

export interface PlanScalingGroup {
  name: string;
  members: string[];
  properties: ScalableProperties;
}

/** A `policies:` entry: scaling policies and Trellis's metric/heal policies. */
export interface PlanPolicy {
  name: string;
  type: string;
  targets: string[];
  properties: Record<string, Value>;
}

export interface PlanWorkflow {
  name: string;
  /** `<plugin>.<operation>` or the built-in name for the standard workflows. */
  mapping: string;
  plugin?: string;
  parameters: Record<string, PropertySchema>;
  isCascading?: boolean;
}

export interface PlanPluginDecl {
  name: string;
  executor: 'central_deployment_agent' | 'host_agent';
  packageName?: string;
  packageVersion?: string;
  source?: string;
}

/** An input's definition and the value it has in this plan. */
export interface PlanInput extends PropertySchema {
  name: string;
  value?: Value;
}

/** Where each element came from, keyed by document path (`node_templates.vm.properties.x`). */
export interface SourceLocation {
  file: string;
  range: SourceRange;
}
export type SourceMap = Record<string, SourceLocation>;

/** One node instance of the initial expansion (Cloudify's node-instance shape). */
export interface PlanNodeInstance {
  /** `<node>_<6 chars>`, unique in a deployment. */
  id: string;
  node: string;
  /** The instance this one is contained in (its direct container), if any. */
  containerId?: string;
  /** The Compute instance this one runs on (itself for a Compute), if any. */
  hostId?: string;
  /** Scaling-group instances this instance belongs to. */
  scalingGroups: { name: string; id: string }[];
  relationships: PlanRelationshipInstance[];
}

export interface PlanRelationshipInstance {
  /** Index into the source node's `relationships`. */
  index: number;
  type: string;
  kind: RelationshipKind;
  targetNode: string;
  targetId: string;
}

export interface Plan {
  dslVersion: DslVersion;
  description?: string;
  /** Absolute path (or virtual URI) of the main blueprint file. */
  mainFile: string;
  /** Every file that took part, main first, in import order. */
  files: string[];
  inputs: Record<string, PlanInput>;
  plugins: Record<string, PlanPluginDecl>;
  /** In declaration order. */
  nodes: PlanNode[];
  /** Node names in a topological order of all relationships (targets first). */
  order: string[];
  groups: Record<string, PlanGroup>;
  scalingGroups: Record<string, PlanScalingGroup>;
  policies: PlanPolicy[];
  workflows: Record<string, PlanWorkflow>;
  outputs: Record<string, { description?: string; value: Value }>;
  capabilities: Record<string, { description?: string; value: Value }>;
  /** The initial node-instance expansion. */
  instances: PlanNodeInstance[];
  sources: SourceMap;
}
