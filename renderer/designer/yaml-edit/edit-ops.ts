/**
 * Typed graph edits. Every change the canvas, palette or inspector makes to a blueprint is
 * one of these; renderer/designer/yaml-edit/apply-edits.ts is the only code that turns them
 * into changes of the YAML document (STYLE.md: a change protocol, not two models).
 */

/** A JSON-like value as it appears in YAML. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/**
 * How a property gets its value, like Cloudify Composer's value modes. Each non-plain mode
 * writes the matching intrinsic function.
 */
export const ValueMode = {
  plain: 'plain',
  input: 'input',
  secret: 'secret',
  property: 'property',
  attribute: 'attribute',
  capability: 'capability',
  raw: 'raw',
} as const;
export type ValueMode = (typeof ValueMode)[keyof typeof ValueMode];

/** A property value together with its mode. */
export type PropertyValue =
  | { mode: 'plain'; value: PlainValue }
  /** `{ get_input: input }` */
  | { mode: 'input'; input: string }
  /** `{ get_secret: secret }` */
  | { mode: 'secret'; secret: string }
  /** `{ get_property: [node, ...path] }`; node may be SELF, SOURCE or TARGET. */
  | { mode: 'property'; node: string; path: string[] }
  /** `{ get_attribute: [node, ...path] }` */
  | { mode: 'attribute'; node: string; path: string[] }
  /** `{ get_capability: [deployment, capability, ...path] }` */
  | { mode: 'capability'; deployment: string; capability: string; path?: string[] }
  /** Any YAML text, parsed and inserted as is. */
  | { mode: 'raw'; yaml: string };

export type EditOp =
  /** Adds a node template (optionally contained in `host`). `body` overrides the generated one (paste). */
  | {
      kind: 'addNode';
      name: string;
      type: string;
      properties?: Record<string, PlainValue>;
      host?: { name: string; relationshipType: string };
      body?: { [key: string]: PlainValue };
    }
  /** Removes a template and every reference to it (relationships targeting it, group members). */
  | { kind: 'removeNode'; name: string }
  /** Renames a template and every reference: relationship targets, get_property/get_attribute, groups, policies, outputs. */
  | { kind: 'renameNode'; from: string; to: string }
  | { kind: 'setNodeType'; name: string; type: string }
  /** Sets `properties.<path>` (a dotted path is split into nested keys). */
  | { kind: 'setProperty'; node: string; property: string; value: PropertyValue }
  | { kind: 'removeProperty'; node: string; property: string }
  | { kind: 'addRelationship'; source: string; type: string; target: string }
  | { kind: 'removeRelationship'; source: string; index: number }
  | { kind: 'setRelationship'; source: string; index: number; type?: string; target?: string }
  /** Sets an operation to an implementation (string form) or a full definition map. */
  | {
      kind: 'setInterfaceOperation';
      node: string;
      interface: string;
      operation: string;
      implementation: string;
      inputs?: Record<string, PlainValue>;
    }
  | { kind: 'removeInterfaceOperation'; node: string; interface: string; operation: string }
  /** Replaces the node's containment relationship (host null: un-nest). */
  | { kind: 'moveIntoHost'; node: string; host: string | null; relationshipType?: string }
  | { kind: 'setInstances'; node: string; count: number };

export type EditKind = EditOp['kind'];
