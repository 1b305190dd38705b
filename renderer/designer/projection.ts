/**
 * Projection: blueprint text -> BlueprintModel, a pure, memoized function (DESIGN.md §4).
 *
 * Parsing a 500-template document takes ~50-60 ms, far over a keystroke's frame budget, so
 * the text is cut into spans first (each node template, and the rest of the document) with
 * a cheap line scan, and each span is parsed on its own and cached by its exact text. A
 * keystroke changes one span, so one template is re-parsed. Documents the line scan cannot
 * cut safely (anchors and aliases, several documents, flow-style node_templates) are parsed
 * whole: slower, same result.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import type { BlueprintModel, ProjectionResult, RelationshipModel, TemplateModel, TextSpan, YamlSyntaxError } from './model';

type PieceResult =
  | { ok: true; templates: TemplateModel[]; shifted?: TemplateModel[]; shiftedBy?: number }
  | { ok: false; errors: YamlSyntaxError[] };
type RestResult =
  | { ok: true; model: Omit<BlueprintModel, 'templates'> }
  | { ok: false; errors: YamlSyntaxError[] };

/** Caches parsed spans by their text; entries not used by the last projection are dropped. */
class SpanCache<T> {
  private current = new Map<string, T>();
  private next = new Map<string, T>();
  get(key: string, make: () => T): T {
    let value = this.next.get(key) ?? this.current.get(key);
    if (value === undefined) value = make();
    this.next.set(key, value);
    return value;
  }
  /** Ends one projection: keeps only what it used. */
  sweep(): void {
    this.current = this.next;
    this.next = new Map();
  }
}

/** A projector with its own caches: one per open document. */
export interface Projector {
  (text: string): ProjectionResult;
}

/** Creates a memoized, incremental projector. */
export function createProjector(): Projector {
  const templateCache = new SpanCache<PieceResult>();
  const restCache = new SpanCache<RestResult>();
  let lastText: string | undefined;
  let lastResult: ProjectionResult | undefined;
  return (text: string) => {
    if (text === lastText && lastResult) return lastResult;
    const result = projectIncremental(text, templateCache, restCache) ?? projectWhole(text);
    templateCache.sweep();
    restCache.sweep();
    lastText = text;
    lastResult = result;
    return result;
  };
}

/** Projects a text in one full parse (the reference the incremental path must agree with). */
export function projectWhole(text: string): ProjectionResult {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => ({ message: e.message, span: { start: e.pos[0], end: e.pos[1] } })) };
  const templates: TemplateModel[] = [];
  const nt = doc.get('node_templates', true);
  if (isMap(nt)) for (const pair of nt.items) {
    const t = templateFromPair(doc, pair, 0);
    if (t) templates.push(t);
  }
  return { ok: true, model: { templates, ...restFromDocument(doc) } };
}

// ---------------------------------------------------------------------------------------
// The incremental path

const unsafeForSpans = /(^|[\s,[{])[&*!][^\s,\]}]|^(---|\.\.\.|%)|\t|^node_templates\s*:\s*[^\s#]/m;

function projectIncremental(text: string, templateCache: SpanCache<PieceResult>, restCache: SpanCache<RestResult>): ProjectionResult | undefined {
  if (unsafeForSpans.test(text)) return undefined;
  const cut = cutTemplates(text);
  if (!cut) return undefined;
  const errors: YamlSyntaxError[] = [];
  const templates: TemplateModel[] = [];
  for (const [start, end] of cut.templates) {
    const piece = text.slice(start, end);
    const result = templateCache.get(piece, () => parsePiece(piece));
    if (!result.ok) {
      for (const e of result.errors) errors.push({ message: e.message, span: shift(e.span, start) });
      continue;
    }
    // Keep the same objects while a template neither changes nor moves, so the canvas can skip it.
    if (result.shiftedBy !== start) {
      result.shifted = start === 0 ? result.templates : result.templates.map((t) => shiftTemplate(t, start));
      result.shiftedBy = start;
    }
    templates.push(...result.shifted!);
  }
  const restText = text.slice(0, cut.sectionStart) + text.slice(cut.sectionEnd);
  const rest = restCache.get(restText, () => parseRest(restText));
  if (!rest.ok) {
    for (const e of rest.errors) {
      const at = (o: number): number => (o >= cut.sectionStart ? o + (cut.sectionEnd - cut.sectionStart) : o);
      errors.push({ message: e.message, span: { start: at(e.span.start), end: at(e.span.end) } });
    }
  }
  if (errors.length > 0 || !rest.ok) return { ok: false, errors: errors.sort((a, b) => a.span.start - b.span.start) };
  // Duplicate template names are a document-level fact the spans cannot see alone.
  const seen = new Set<string>();
  for (const t of templates) {
    if (seen.has(t.name)) return undefined;
    seen.add(t.name);
  }
  return { ok: true, model: { templates, ...rest.model } };
}

/**
 * Where each node template's lines are (name -> [start, end)), found by the same line scan
 * the projection uses; undefined when the text cannot be cut safely or a key is not plain.
 */
export function templateSpans(text: string): Map<string, [number, number]> | undefined {
  if (unsafeForSpans.test(text)) return undefined;
  const cut = cutTemplates(text);
  if (!cut) return undefined;
  const spans = new Map<string, [number, number]>();
  for (const [start, end] of cut.templates) {
    const m = /^ *([A-Za-z0-9_][A-Za-z0-9_.-]*) *:(?:[ \t]|$)/m.exec(text.slice(start, Math.min(end, start + 300)));
    if (!m || m.index !== 0 || spans.has(m[1]!)) return undefined;
    spans.set(m[1]!, [start, end]);
  }
  return spans;
}

interface Cut {
  /** Start of the `node_templates:` line and end of its section (start of the next top-level key). */
  sectionStart: number;
  sectionEnd: number;
  /** `[start, end)` of each template's lines. */
  templates: [number, number][];
}

/** Finds the node_templates section and each template's lines by indentation alone. */
function cutTemplates(text: string): Cut | undefined {
  let sectionStart = -1;
  let sectionEnd = text.length;
  let childIndent = -1;
  const starts: number[] = [];
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    let indent = 0;
    while (text.charCodeAt(pos + indent) === 32) indent++;
    const first = text.charCodeAt(pos + indent);
    const blankOrComment = pos + indent >= eol || first === 35; /* # */
    if (!blankOrComment) {
      if (indent === 0) {
        if (sectionStart >= 0) {
          sectionEnd = pos;
          break;
        }
        if (text.startsWith('node_templates', pos) && /^node_templates\s*:/.test(text.slice(pos, eol))) sectionStart = pos;
      } else if (sectionStart >= 0) {
        if (childIndent < 0) childIndent = indent;
        if (indent < childIndent) return undefined;
        if (indent === childIndent) {
          if (first === 45 /* - */ || first === 63 /* ? */) return undefined;
          starts.push(pos);
        }
      }
    }
    pos = eol + 1;
  }
  if (sectionStart < 0) {
    sectionStart = text.length;
    sectionEnd = text.length;
  }
  const templates: [number, number][] = starts.map((s, i) => [s, starts[i + 1] ?? sectionEnd]);
  // The section line itself (and comments before the first template) belong to "the rest",
  // so the rest stays a valid document with an empty node_templates key.
  const firstStart = starts[0] ?? sectionEnd;
  return { sectionStart: firstStart === sectionEnd ? sectionEnd : firstStart, sectionEnd, templates };
}

function parsePiece(piece: string): PieceResult {
  const doc = parseDocument(piece);
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => ({ message: e.message, span: { start: e.pos[0], end: e.pos[1] } })) };
  const templates: TemplateModel[] = [];
  if (isMap(doc.contents)) for (const pair of doc.contents.items) {
    const t = templateFromPair(doc, pair, 0);
    if (t) templates.push(t);
  }
  return { ok: true, templates };
}

function parseRest(rest: string): RestResult {
  const doc = parseDocument(rest);
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => ({ message: e.message, span: { start: e.pos[0], end: e.pos[1] } })) };
  return { ok: true, model: restFromDocument(doc) };
}

function shift(span: TextSpan, by: number): TextSpan {
  return { start: span.start + by, end: span.end + by };
}

function shiftTemplate(t: TemplateModel, by: number): TemplateModel {
  return {
    ...t,
    span: shift(t.span, by),
    keySpan: shift(t.keySpan, by),
    relationships: t.relationships.map((r) => ({ ...r, span: shift(r.span, by) })),
  };
}

// ---------------------------------------------------------------------------------------
// Document -> model (shared by both paths)

function str(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function templateFromPair(doc: Document, pair: Pair, base: number): TemplateModel | undefined {
  const name = str(pair.key);
  if (name === undefined || !isScalar(pair.key)) return undefined;
  const keyRange = pair.key.range ?? [0, 0, 0];
  const value = pair.value;
  const map = isMap(value) ? value : undefined;
  const end = map?.range?.[1] ?? (isScalar(value) ? value.range?.[1] : undefined) ?? keyRange[1];
  const relationships: RelationshipModel[] = [];
  const rels = map?.get('relationships', true);
  if (isSeq(rels)) {
    rels.items.forEach((item, index) => {
      if (!isMap(item)) return;
      const range = item.range ?? [0, 0, 0];
      relationships.push({
        type: str(item.get('type', true)) ?? '',
        target: str(item.get('target', true)) ?? '',
        index,
        span: { start: range[0] + base, end: range[1] + base },
      });
    });
  }
  return {
    name,
    type: (map && str(map.get('type', true))) ?? '',
    properties: plainMap(map?.get('properties', true), doc),
    relationships,
    interfaces: plainMap(map?.get('interfaces', true), doc) as Record<string, Record<string, unknown>>,
    instances: instanceCount(map),
    span: { start: keyRange[0] + base, end: end + base },
    keySpan: { start: keyRange[0] + base, end: keyRange[1] + base },
  };
}

function plainMap(node: unknown, doc: Document): Record<string, unknown> {
  if (!isMap(node)) return {};
  const js: unknown = node.toJS(doc);
  return js && typeof js === 'object' ? (js as Record<string, unknown>) : {};
}

function instanceCount(map: YAMLMap | undefined): number {
  if (!map) return 1;
  const modern = map.getIn(['capabilities', 'scalable', 'properties', 'default_instances']);
  const legacy = map.getIn(['instances', 'deploy']);
  const n = typeof modern === 'number' ? modern : typeof legacy === 'number' ? legacy : 1;
  return Number.isFinite(n) ? n : 1;
}

function keysOf(doc: Document, section: string): string[] {
  const node = doc.get(section, true);
  return isMap(node) ? node.items.map((p) => str(p.key)).filter((k): k is string => k !== undefined) : [];
}

function restFromDocument(doc: Document): Omit<BlueprintModel, 'templates'> {
  const groups: Record<string, string[]> = {};
  const g = doc.get('groups', true);
  if (isMap(g)) for (const pair of g.items) {
    const name = str(pair.key);
    const members = isMap(pair.value) ? pair.value.get('members', true) : undefined;
    if (name !== undefined) groups[name] = isSeq(members) ? members.items.map(str).filter((m): m is string => m !== undefined) : [];
  }
  const imports = doc.get('imports', true);
  const version = str(doc.get('tosca_definitions_version', true));
  return {
    groups,
    inputs: keysOf(doc, 'inputs'),
    outputs: keysOf(doc, 'outputs'),
    imports: isSeq(imports) ? imports.items.map(str).filter((i): i is string => i !== undefined) : [],
    ownNodeTypes: keysOf(doc, 'node_types'),
    ownRelationshipTypes: keysOf(doc, 'relationships'),
    ...(version !== undefined ? { dslVersion: version } : {}),
  };
}
