/**
 * The designer's view of a blueprint document: what the canvas, palette and inspector need,
 * projected from the YAML text (renderer/designer/projection.ts). Plain data; the YAML text
 * stays the single source of truth (DESIGN.md §4).
 */

/** A half-open character span `[start, end)` in the blueprint text. */
export interface TextSpan {
  start: number;
  end: number;
}

/** One relationship entry of a node template, in declaration order. */
export interface RelationshipModel {
  type: string;
  target: string;
  /** Position in the template's `relationships` list. */
  index: number;
  span: TextSpan;
}

/** One node template as the designer shows it. */
export interface TemplateModel {
  name: string;
  type: string;
  /** Plain JavaScript form of `properties` (intrinsic functions stay as their maps). */
  properties: Record<string, unknown>;
  relationships: RelationshipModel[];
  /** Interface name -> operation name -> operation definition (string or map). */
  interfaces: Record<string, Record<string, unknown>>;
  /** `capabilities.scalable.properties.default_instances` (or legacy `instances.deploy`); 1 when absent. */
  instances: number;
  /** The whole `name: {...}` pair, from the key to the end of the value. */
  span: TextSpan;
  /** The key (template name) only. */
  keySpan: TextSpan;
}

/** A syntax error of the YAML text, located in the whole text. */
export interface YamlSyntaxError {
  message: string;
  span: TextSpan;
}

/** The projected document. */
export interface BlueprintModel {
  templates: TemplateModel[];
  /** Group name -> member names. */
  groups: Record<string, string[]>;
  inputs: string[];
  outputs: string[];
  imports: string[];
  /** Types the blueprint declares itself (`node_types`, `relationships`). */
  ownNodeTypes: string[];
  ownRelationshipTypes: string[];
  dslVersion?: string;
}

/** Result of projecting one text: either a model, or the syntax errors that prevented it. */
export type ProjectionResult =
  | { ok: true; model: BlueprintModel }
  | { ok: false; errors: YamlSyntaxError[] };

/** Finds the template whose span contains a text offset (the cursor), if any. */
export function templateAtOffset(model: BlueprintModel, offset: number): TemplateModel | undefined {
  // Templates are in text order, so a binary search keeps cursor tracking cheap at 2,000 nodes.
  let lo = 0;
  let hi = model.templates.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = model.templates[mid]!;
    if (offset < t.span.start) hi = mid - 1;
    else if (offset > t.span.end) lo = mid + 1;
    else return t;
  }
  return undefined;
}
