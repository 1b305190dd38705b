/**
 * The one module that changes blueprint YAML documents (STYLE.md: one reducer for typed
 * changes). Each `EditOp` mutates a `yaml` Document through its node API, so comments, key
 * order, anchors and scalar styles survive; text-splice.ts then reduces the result to the
 * minimal edits of the original text that Monaco applies (DESIGN.md §4).
 */
import {
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  Scalar,
  visit,
  YAMLMap,
  YAMLSeq,
  type Document,
  type Node as YamlNode,
  type ToStringOptions,
} from 'yaml';
import type { EditOp, PlainValue, PropertyValue } from './edit-ops';
import { templateSpans } from '../projection';
import { applyTextEdits, spliceChanges, type TextEdit } from './text-splice';

/** Why an edit could not be applied (a stale selection, invalid raw YAML, a name clash). */
export class EditError extends Error {
  constructor(
    readonly code: 'invalid-yaml' | 'no-such-node' | 'name-taken' | 'bad-value',
    message: string,
  ) {
    super(message);
    this.name = 'EditError';
  }
}

export interface EditOptions {
  /** Is a relationship type a containment (contained_in or derived)? Defaults to a name check. */
  isContainment?: (relationshipType: string) => boolean;
  /** Always parse and edit the whole document (tests compare it with the one-template fast path). */
  wholeDocument?: boolean;
}

export interface EditResult {
  /** The new text. */
  text: string;
  /** Minimal edits of the old text that produce it (for Monaco `executeEdits`). */
  edits: TextEdit[];
}

/** Default containment test when no type catalog is at hand. */
export function looksLikeContainment(type: string): boolean {
  return /contained_in$/.test(type);
}

/**
 * Applies edit ops, in order, to a blueprint text. Throws `EditError` when the text is not
 * valid YAML or an op refers to something that is not there.
 */
export function applyEdits(text: string, ops: readonly EditOp[], options: EditOptions = {}): EditResult {
  const isContainment = options.isContainment ?? looksLikeContainment;
  if (!options.wholeDocument) {
    const local = applyLocally(text, ops, isContainment);
    if (local) return local;
  }
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new EditError('invalid-yaml', `Fix the YAML first: ${doc.errors[0]!.message}`);
  const style = detectStyle(text);
  const before = doc.toString(style);
  const ctx: OpContext = { isContainment, exists: (name) => templatesMap(doc, false)?.has(name) === true };
  for (const op of ops) applyOne(doc, op, ctx);
  const after = doc.toString(style);
  const edits = spliceChanges(text, before, after);
  return { text: applyTextEdits(text, edits), edits };
}

/** The one template an op changes, when it changes only one. */
function localTemplate(op: EditOp): string | undefined {
  switch (op.kind) {
    case 'setNodeType':
      return op.name;
    case 'setProperty':
    case 'removeProperty':
    case 'setInterfaceOperation':
    case 'removeInterfaceOperation':
    case 'moveIntoHost':
    case 'setInstances':
      return op.node;
    case 'addRelationship':
    case 'removeRelationship':
    case 'setRelationship':
      return op.source;
    default:
      return undefined;
  }
}

const miniPrefix = 'node_templates:\n';

/** Is any template but the first preceded by a blank line (before its leading comments)? */
function blankBetween(text: string, spans: ReadonlyMap<string, [number, number]>): boolean {
  let first = true;
  for (const [start] of spans.values()) {
    if (first) {
      first = false;
      continue;
    }
    // Walk back over comment lines to the line before them.
    let at = start;
    for (;;) {
      const prevStart = text.lastIndexOf('\n', at - 2) + 1;
      const prev = text.slice(prevStart, at - 1);
      if (prev.trimStart().startsWith('#') && prevStart > 0) {
        at = prevStart;
        continue;
      }
      if (prev.trim() === '') return true;
      break;
    }
  }
  return false;
}

/**
 * The fast path for edits inside one template (most inspector and canvas edits): only that
 * template's lines are parsed and re-stringified, so an edit costs the same at 20 or 2,000
 * templates. Returns undefined when the document cannot be cut safely (then the whole
 * document is edited).
 */
function applyLocally(text: string, ops: readonly EditOp[], isContainment: (t: string) => boolean): EditResult | undefined {
  const appending = ops.length === 1 && ops[0]!.kind === 'addNode';
  const name = ops.length > 0 ? localTemplate(ops[0]!) : undefined;
  if (!appending && (name === undefined || ops.some((op) => localTemplate(op) !== name))) return undefined;
  const spans = templateSpans(text);
  if (!spans || spans.size === 0) return undefined;
  // A new template goes after the last one: that one is the part to parse.
  const span = appending ? [...spans.values()].pop() : spans.get(name!);
  if (!span) return undefined;
  // Leave out trailing blank lines and comments at the template's own indentation: in the
  // whole document they lead into the next template, and must stay after anything appended.
  const keyIndent = /^ */.exec(text.slice(span[0], span[0] + 200))![0].length;
  let end = span[1];
  while (end > span[0]) {
    const lineStart = text.lastIndexOf('\n', end - 2) + 1;
    if (lineStart <= span[0]) break;
    const line = text.slice(lineStart, end);
    const indent = /^ */.exec(line)![0].length;
    if (line.trim() !== '' && !(line.trimStart().startsWith('#') && indent <= keyIndent)) break;
    end = lineStart;
  }
  const mini = miniPrefix + text.slice(span[0], end);
  const doc = parseDocument(mini, { keepSourceTokens: false });
  if (doc.errors.length > 0) return undefined;
  const style = detectStyle(text);
  const before = doc.toString(style);
  const ctx: OpContext = { isContainment, exists: (n) => spans.has(n), blankBetweenTemplates: blankBetween(text, spans) };
  for (const op of ops) applyOne(doc, op, ctx);
  const after = doc.toString(style);
  const shift = span[0] - miniPrefix.length;
  const edits = spliceChanges(mini, before, after).map((e) => ({ start: e.start + shift, end: e.end + shift, insert: e.insert }));
  if (edits.some((e) => e.start < span[0])) return undefined;
  return { text: applyTextEdits(text, edits), edits };
}

// ---------------------------------------------------------------------------------------
// Style: keep new lines in the user's style.

function detectStyle(text: string): ToStringOptions {
  const options: ToStringOptions = { lineWidth: 0, minContentWidth: 0, indent: 2, indentSeq: true, flowCollectionPadding: true };
  const indentMatch = /^[A-Za-z_][^\n#]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( +)\S/m.exec(text);
  if (indentMatch) options.indent = Math.min(8, indentMatch[1]!.length);
  // Majority vote over block sequences under a key; on a tie the later one (node templates
  // come after imports in most files) decides.
  let vote = 0;
  let last: boolean | undefined;
  for (const m of text.matchAll(/^( *)[^\s#-][^\n]*:[ \t]*\n( *)- /gm)) {
    last = m[2]!.length > m[1]!.length;
    vote += last ? 1 : -1;
  }
  if (last !== undefined) options.indentSeq = vote === 0 ? last : vote > 0;
  const padded = (text.match(/[{[] \S/g) ?? []).length;
  const tight = (text.match(/[{[][^\s\]}]/g) ?? []).length;
  if (tight > padded) options.flowCollectionPadding = false;
  return options;
}

// ---------------------------------------------------------------------------------------
// Navigation helpers

/** An empty flow collection (`{}` / `[]`) about to receive items becomes a block one. */
function blockIfEmpty<T extends YAMLMap | YAMLSeq>(node: T): T {
  if (node.flow && node.items.length === 0) node.flow = false;
  return node;
}

function templatesMap(doc: Document, create: boolean): YAMLMap | undefined {
  const node = doc.get('node_templates', true);
  if (isMap(node)) return create ? blockIfEmpty(node) : node;
  if (!create) return undefined;
  const map = new YAMLMap();
  doc.set('node_templates', map);
  return doc.get('node_templates', true) as YAMLMap;
}

function template(doc: Document, name: string): YAMLMap {
  const node = templatesMap(doc, false)?.get(name, true);
  if (!isMap(node)) throw new EditError('no-such-node', `There is no node template "${name}".`);
  return node;
}

/** The map under `key`, created (replacing an empty or scalar value) when asked. */
function childMap(parent: YAMLMap, key: string, create: true): YAMLMap;
function childMap(parent: YAMLMap, key: string, create: false): YAMLMap | undefined;
function childMap(parent: YAMLMap, key: string, create: boolean): YAMLMap | undefined {
  const node = parent.get(key, true);
  if (isMap(node)) return create ? blockIfEmpty(node) : node;
  if (!create) return undefined;
  const map = new YAMLMap();
  parent.set(key, map);
  return map;
}

function childSeq(parent: YAMLMap, key: string, create: boolean): YAMLSeq | undefined {
  const node = parent.get(key, true);
  if (isSeq(node)) return create ? blockIfEmpty(node) : node;
  if (!create) return undefined;
  const seq = new YAMLSeq();
  parent.set(key, seq);
  return seq;
}

/** Drops `key` from `parent` when its collection became empty, so no `{}` litter is left. */
function dropIfEmpty(parent: YAMLMap, key: string): void {
  const node = parent.get(key, true);
  if ((isMap(node) || isSeq(node)) && node.items.length === 0) parent.delete(key);
}

function scalarString(node: unknown): string | undefined {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value);
  return undefined;
}

/** Sets a value, keeping an existing scalar node (and its comments and quoting) when possible. */
function setValue(doc: Document, parent: YAMLMap, key: string, value: PlainValue | YamlNode): void {
  const existing = parent.get(key, true);
  if (isScalar(existing) && (value === null || typeof value !== 'object')) {
    existing.value = value;
    return;
  }
  parent.set(key, isNodeLike(value) ? value : doc.createNode(value));
}

function isNodeLike(value: unknown): value is YamlNode {
  return isScalar(value) || isMap(value) || isSeq(value);
}

// ---------------------------------------------------------------------------------------
// Values

/** Builds the YAML node for a property value in any mode (intrinsic functions in flow style). */
function valueNode(doc: Document, value: PropertyValue): YamlNode | PlainValue {
  const fn = (name: string, arg: PlainValue): YamlNode => {
    const map = doc.createNode({ [name]: arg }) as YAMLMap;
    map.flow = true;
    const inner = map.get(name, true);
    if (isSeq(inner)) inner.flow = true;
    return map;
  };
  switch (value.mode) {
    case 'plain':
      return value.value;
    case 'input':
      return fn('get_input', value.input);
    case 'secret':
      return fn('get_secret', value.secret);
    case 'property':
      return fn('get_property', [value.node, ...value.path]);
    case 'attribute':
      return fn('get_attribute', [value.node, ...value.path]);
    case 'capability':
      return fn('get_capability', [value.deployment, value.capability, ...(value.path ?? [])]);
    case 'raw': {
      const parsed = parseDocument(value.yaml);
      if (parsed.errors.length > 0) throw new EditError('bad-value', `Not valid YAML: ${parsed.errors[0]!.message}`);
      return parsed.contents ?? new Scalar(null);
    }
  }
}

// ---------------------------------------------------------------------------------------
// The ops

/** What an op may ask about the rest of the document. */
interface OpContext {
  isContainment: (relationshipType: string) => boolean;
  /** Does a node template of this name exist (anywhere in the document)? */
  exists: (name: string) => boolean;
  /** Known from the whole text when only part of it is parsed. */
  blankBetweenTemplates?: boolean;
}

function mustExist(ctx: OpContext, name: string): void {
  if (!ctx.exists(name)) throw new EditError('no-such-node', `There is no node template "${name}".`);
}

function applyOne(doc: Document, op: EditOp, ctx: OpContext): void {
  switch (op.kind) {
    case 'addNode':
      return addNode(doc, op, ctx);
    case 'removeNode':
      return removeNode(doc, op.name);
    case 'renameNode':
      return renameNode(doc, op.from, op.to);
    case 'setNodeType':
      return setValue(doc, template(doc, op.name), 'type', op.type);
    case 'setProperty': {
      const path = op.property.split('.');
      let map = childMap(template(doc, op.node), 'properties', true);
      for (const key of path.slice(0, -1)) map = childMap(map, key, true);
      setValue(doc, map, path[path.length - 1]!, valueNode(doc, op.value));
      return;
    }
    case 'removeProperty': {
      const t = template(doc, op.node);
      const path = op.property.split('.');
      const parents: YAMLMap[] = [];
      let map = childMap(t, 'properties', false);
      for (const key of path.slice(0, -1)) {
        if (!map) return;
        parents.push(map);
        map = childMap(map, key, false);
      }
      map?.delete(path[path.length - 1]!);
      for (let i = path.length - 2; i >= 0; i--) dropIfEmpty(parents[i]!, path[i]!);
      dropIfEmpty(t, 'properties');
      return;
    }
    case 'addRelationship': {
      mustExist(ctx, op.target);
      const rels = childSeq(template(doc, op.source), 'relationships', true)!;
      rels.add(doc.createNode({ type: op.type, target: op.target }));
      return;
    }
    case 'removeRelationship': {
      const t = template(doc, op.source);
      const rels = childSeq(t, 'relationships', false);
      if (!rels || op.index >= rels.items.length) throw new EditError('no-such-node', `"${op.source}" has no relationship #${op.index + 1}.`);
      rels.items.splice(op.index, 1);
      dropIfEmpty(t, 'relationships');
      return;
    }
    case 'setRelationship': {
      const rel = childSeq(template(doc, op.source), 'relationships', false)?.items[op.index];
      if (!isMap(rel)) throw new EditError('no-such-node', `"${op.source}" has no relationship #${op.index + 1}.`);
      if (op.type !== undefined) setValue(doc, rel, 'type', op.type);
      if (op.target !== undefined) setValue(doc, rel, 'target', op.target);
      return;
    }
    case 'setInterfaceOperation': {
      const iface = childMap(childMap(template(doc, op.node), 'interfaces', true), op.interface, true);
      const existing = iface.get(op.operation, true);
      if (isMap(existing)) {
        setValue(doc, existing, 'implementation', op.implementation);
        if (op.inputs) existing.set('inputs', doc.createNode(op.inputs));
      } else if (op.inputs && Object.keys(op.inputs).length > 0) {
        iface.set(op.operation, doc.createNode({ implementation: op.implementation, inputs: op.inputs }));
      } else setValue(doc, iface, op.operation, op.implementation);
      return;
    }
    case 'removeInterfaceOperation': {
      const t = template(doc, op.node);
      const interfaces = childMap(t, 'interfaces', false);
      const iface = interfaces && childMap(interfaces, op.interface, false);
      iface?.delete(op.operation);
      if (interfaces) dropIfEmpty(interfaces, op.interface);
      dropIfEmpty(t, 'interfaces');
      return;
    }
    case 'moveIntoHost':
      return moveIntoHost(doc, op.node, op.host, op.relationshipType, ctx);
    case 'setInstances': {
      const t = template(doc, op.node);
      const legacy = childMap(t, 'instances', false);
      if (legacy?.has('deploy')) return setValue(doc, legacy, 'deploy', op.count);
      const props = childMap(childMap(childMap(t, 'capabilities', true), 'scalable', true), 'properties', true);
      setValue(doc, props, 'default_instances', op.count);
      return;
    }
  }
}

function addNode(doc: Document, op: Extract<EditOp, { kind: 'addNode' }>, ctx: OpContext): void {
  const templates = templatesMap(doc, true)!;
  if (ctx.exists(op.name)) throw new EditError('name-taken', `A node template named "${op.name}" already exists.`);
  if (op.host) mustExist(ctx, op.host.name);
  const body: Record<string, PlainValue> = op.body ? { ...op.body, type: op.type } : { type: op.type };
  if (!op.body && op.properties && Object.keys(op.properties).length > 0) body.properties = op.properties;
  if (op.host) {
    const rels = Array.isArray(body.relationships) ? body.relationships : [];
    body.relationships = [...rels, { type: op.host.relationshipType, target: op.host.name }];
  }
  const key = doc.createNode(op.name) as Scalar;
  // Keep the file's rhythm: blank lines between templates if the others have them.
  key.spaceBefore = ctx.blankBetweenTemplates ?? templates.items.slice(1).some((p) => isScalar(p.key) && p.key.spaceBefore === true);
  const value = doc.createNode(body) as YAMLMap;
  // `type` first, as people write it.
  value.items.sort((a, b) => Number(scalarString(b.key) === 'type') - Number(scalarString(a.key) === 'type'));
  templates.items.push(doc.createPair(key, value));
}

function removeNode(doc: Document, name: string): void {
  const templates = templatesMap(doc, false);
  if (!templates?.has(name)) throw new EditError('no-such-node', `There is no node template "${name}".`);
  templates.delete(name);
  for (const pair of templates.items) {
    if (!isMap(pair.value)) continue;
    const rels = childSeq(pair.value, 'relationships', false);
    if (!rels) continue;
    rels.items = rels.items.filter((r) => !(isMap(r) && scalarString(r.get('target', true)) === name));
    dropIfEmpty(pair.value, 'relationships');
  }
  forEachMemberList(doc, (list) => {
    list.items = list.items.filter((item) => scalarString(item) !== name);
  });
}

/** Calls `fn` with every list that names node templates: group members and policy targets. */
function forEachMemberList(doc: Document, fn: (list: YAMLSeq) => void): void {
  for (const section of ['groups', 'policies']) {
    const map = doc.get(section, true);
    if (!isMap(map)) continue;
    for (const pair of map.items) {
      if (!isMap(pair.value)) continue;
      for (const key of ['members', 'targets']) {
        const list = pair.value.get(key, true);
        if (isSeq(list)) fn(list);
      }
    }
  }
}

function renameNode(doc: Document, from: string, to: string): void {
  const templates = templatesMap(doc, false);
  const pair = templates?.items.find((p) => scalarString(p.key) === from);
  if (!templates || !pair) throw new EditError('no-such-node', `There is no node template "${from}".`);
  if (from === to) return;
  if (templates.has(to)) throw new EditError('name-taken', `A node template named "${to}" already exists.`);
  if (isScalar(pair.key)) pair.key.value = to;
  else pair.key = doc.createNode(to);

  // Relationship targets.
  for (const p of templates.items) {
    if (!isMap(p.value)) continue;
    for (const rel of childSeq(p.value, 'relationships', false)?.items ?? []) {
      const target = isMap(rel) ? rel.get('target', true) : undefined;
      if (isScalar(target) && scalarString(target) === from) target.value = to;
    }
  }
  // Group members, policy targets.
  forEachMemberList(doc, (list) => {
    for (const item of list.items) if (isScalar(item) && scalarString(item) === from) item.value = to;
  });
  // get_property / get_attribute references anywhere (properties, operation inputs, outputs, capabilities).
  visit(doc, {
    Map(_key, map) {
      if (map.items.length !== 1) return;
      const only = map.items[0]!;
      const fname = scalarString(only.key);
      if (fname !== 'get_property' && fname !== 'get_attribute') return;
      const first = isSeq(only.value) ? only.value.items[0] : undefined;
      if (isScalar(first) && scalarString(first) === from) first.value = to;
    },
  });
}

function moveIntoHost(doc: Document, name: string, host: string | null, relationshipType: string | undefined, ctx: OpContext): void {
  const { isContainment } = ctx;
  const t = template(doc, name);
  if (host !== null) mustExist(ctx, host);
  const rels = childSeq(t, 'relationships', host !== null);
  const containing = (rels?.items ?? []).filter((r) => isMap(r) && isContainment(scalarString(r.get('type', true)) ?? '')) as YAMLMap[];
  if (host === null) {
    if (rels) rels.items = rels.items.filter((r) => !containing.includes(r as YAMLMap));
    dropIfEmpty(t, 'relationships');
    return;
  }
  const [first, ...rest] = containing;
  if (first) {
    setValue(doc, first, 'target', host);
    if (relationshipType) setValue(doc, first, 'type', relationshipType);
    // A node has one host: drop any extra containment left over from hand edits.
    rels!.items = rels!.items.filter((r) => !rest.includes(r as YAMLMap));
  } else rels!.add(doc.createNode({ type: relationshipType ?? 'cloudify.relationships.contained_in', target: host }));
}
