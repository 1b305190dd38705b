/**
 * Phase 1 — read: YAML text -> plain values plus a location for every node.
 *
 * The yaml package parses; this phase walks its node tree once, producing plain JS values
 * (aliases resolved, `<<` merge keys applied) and a map from document path to offsets, so
 * later phases work on ordinary objects yet can locate anything they complain about.
 * Duplicate keys are detected here with a Set per map: yaml's own `uniqueKeys` check scans
 * the map for every key, which is quadratic in the number of node templates.
 *
 * Problems: yaml-syntax (errors and warnings of the YAML parser), duplicate-key.
 */
import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { ProblemCode, Severity } from './problem';
import { childPath } from './read-path';
import type { Loc } from './read-path';
import { fastRead } from './fast-read';

export { childPath } from './read-path';
export type { Loc } from './read-path';
import type { Problem, SourceRange } from './problem';

/** One read file: its plain value and where each path of it is. */
export interface SourceDoc {
  file: string;
  /** `blueprint` for the user's files, else `core` or a plugin name. */
  library: string;
  text: string;
  value: unknown;
  locs: Map<string, Loc>;
  lineCounter: LineCounter;
  /** True when the YAML had syntax errors (its value is not trustworthy). */
  broken: boolean;
}

/** Converts an offset span into a 1-based line/column range. */
export function toRange(doc: Pick<SourceDoc, 'lineCounter'>, start: number, end: number): SourceRange {
  const a = doc.lineCounter.linePos(Math.max(0, start));
  const b = doc.lineCounter.linePos(Math.max(0, end));
  return {
    line: Math.max(1, a.line),
    column: Math.max(1, a.col),
    endLine: Math.max(1, b.line),
    endColumn: Math.max(1, b.col),
    offset: Math.max(0, start),
    endOffset: Math.max(0, end),
  };
}

/**
 * The range of a path: its key when `at` is `key` and it has one, else its value. A path
 * that does not exist (a missing field) falls back to its nearest existing parent.
 */
export function locate(doc: SourceDoc, path: string, at: 'key' | 'value' = 'value'): SourceRange {
  let p = path;
  for (;;) {
    const loc = doc.locs.get(p);
    if (loc) {
      if (at === 'key' && loc.ks >= 0) return toRange(doc, loc.ks, loc.ke);
      return toRange(doc, loc.vs, loc.ve);
    }
    if (p === '') return toRange(doc, 0, 0);
    p = parentPath(p);
    at = 'key';
  }
}

/** The whole element at a path: from its key (when it has one) to the end of its value. */
export function locateSpan(doc: SourceDoc, path: string): SourceRange | undefined {
  const loc = doc.locs.get(path);
  if (!loc) return undefined;
  return toRange(doc, loc.ks >= 0 ? loc.ks : loc.vs, loc.ve);
}

function parentPath(path: string): string {
  // Interface names contain dots, so the parent is found by trying ever shorter prefixes
  // at separator positions; locate() only needs *an* existing ancestor.
  const bracket = path.lastIndexOf('[');
  const dot = path.lastIndexOf('.');
  const cut = Math.max(bracket, dot);
  return cut <= 0 ? '' : path.slice(0, cut);
}

/** Collects problems; every phase reports through one of these. */
export class Reporter {
  readonly problems: Problem[] = [];

  report(
    code: ProblemCode,
    severity: Severity,
    message: string,
    doc: SourceDoc,
    path: string,
    at: 'key' | 'value' = 'value',
  ): void {
    this.problems.push({ code, severity, message, file: doc.file, range: locate(doc, path, at), path });
  }

  error(code: ProblemCode, message: string, doc: SourceDoc, path: string, at: 'key' | 'value' = 'value'): void {
    this.report(code, Severity.error, message, doc, path, at);
  }

  warn(code: ProblemCode, message: string, doc: SourceDoc, path: string, at: 'key' | 'value' = 'value'): void {
    this.report(code, Severity.warning, message, doc, path, at);
  }
}

/** Beyond this many visited nodes, alias expansion is treated as an attack (billion laughs). */
const MAX_VISITED = 5_000_000;

/** Reads one YAML file. Never throws for bad input. */
export function readSource(file: string, text: string, library: string, reporter: Reporter): SourceDoc {
  const lineCounter = new LineCounter();
  const fast = fastRead(text);
  if (fast) {
    // The fast reader needs the line starts the yaml lexer would have recorded.
    lineCounter.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    const source: SourceDoc = { file, library, text, value: fast.value, locs: fast.locs, lineCounter, broken: false };
    for (const d of fast.duplicates) {
      reporter.problems.push({
        code: ProblemCode.duplicateKey,
        severity: Severity.error,
        message: `Duplicate key "${d.key}"`,
        file,
        range: toRange(source, d.ks, d.ke),
        path: d.path,
      });
    }
    return source;
  }
  return readWithYaml(file, text, library, reporter, lineCounter);
}

/** The exact path: the yaml package's parser, then one walk over its node tree. */
export function readWithYaml(
  file: string,
  text: string,
  library: string,
  reporter: Reporter,
  lineCounter = new LineCounter(),
): SourceDoc {
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    merge: true,
    prettyErrors: false,
    version: '1.1',
  }) as Document.Parsed;
  const source: SourceDoc = { file, library, text, value: undefined, locs: new Map(), lineCounter, broken: false };
  for (const e of doc.errors) {
    source.broken = true;
    const range = toRange(source, e.pos[0], e.pos[1]);
    reporter.problems.push({
      code: ProblemCode.yamlSyntax,
      severity: Severity.error,
      message: firstLine(e.message),
      file,
      range,
      path: '',
    });
  }
  for (const w of doc.warnings) {
    reporter.problems.push({
      code: ProblemCode.yamlSyntax,
      severity: Severity.warning,
      message: firstLine(w.message),
      file,
      range: toRange(source, w.pos[0], w.pos[1]),
      path: '',
    });
  }
  const walker = new Walker(doc, source, reporter);
  source.value = walker.walk(doc.contents, '', -1, -1);
  if (walker.aborted) source.broken = true;
  return source;
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl < 0 ? message : message.slice(0, nl);
}

class Walker {
  visited = 0;
  aborted = false;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly source: SourceDoc,
    private readonly reporter: Reporter,
  ) {}

  walk(node: YamlNode | null | undefined, path: string, ks: number, ke: number): unknown {
    if (this.aborted) return null;
    if (++this.visited > MAX_VISITED) {
      this.aborted = true;
      this.reporter.error(ProblemCode.yamlSyntax, 'The document expands to too many nodes (alias bomb?)', this.source, '');
      return null;
    }
    if (node === null || node === undefined) {
      this.source.locs.set(path, { ks, ke, vs: ke >= 0 ? ke : 0, ve: ke >= 0 ? ke : 0 });
      return null;
    }
    const range = node.range ?? [0, 0, 0];
    this.source.locs.set(path, { ks, ke, vs: range[0], ve: range[1] });
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) return null;
      const value = this.walk(target, path, ks, ke);
      // Keep the alias's own position for the path: that is where the user looks.
      this.source.locs.set(path, { ks, ke, vs: range[0], ve: range[1] });
      return value;
    }
    if (isScalar(node)) return this.scalar(node.value, range);
    if (isSeq(node)) {
      const out: unknown[] = [];
      node.items.forEach((item, i) => {
        out.push(this.walk(item as YamlNode, childPath(path, i), -1, -1));
      });
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      const merges: { node: YamlNode; path: string }[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const keyRange = keyNode?.range ?? [0, 0, 0];
        if (isScalar(keyNode) && isMergeKey(keyNode.value)) {
          merges.push({ node: pair.value as YamlNode, path });
          continue;
        }
        const key = keyString(keyNode, this.source.text);
        const p = childPath(path, key);
        if (seen.has(key)) {
          this.source.locs.set(p, { ks: keyRange[0], ke: keyRange[1], vs: keyRange[0], ve: keyRange[1] });
          this.reporter.error(ProblemCode.duplicateKey, `Duplicate key "${key}"`, this.source, p, 'key');
        }
        seen.add(key);
        out[key] = this.walk(pair.value as YamlNode | null, p, keyRange[0], keyRange[1]);
      }
      for (const m of merges) this.merge(m.node, path, out, seen);
      return out;
    }
    return null;
  }

  /** `<<: *anchor` or `<<: [*a, *b]`: copies entries the map does not set itself. */
  private merge(node: YamlNode | null, path: string, out: Record<string, unknown>, seen: Set<string>): void {
    if (!node) return;
    const target = isAlias(node) ? (node.resolve(this.doc) as YamlNode | undefined) : node;
    if (!target) return;
    if (isSeq(target)) {
      for (const item of target.items) this.merge(item as YamlNode, path, out, seen);
      return;
    }
    if (!isMap(target)) return;
    for (const pair of target.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      if (isScalar(keyNode) && isMergeKey(keyNode.value)) {
        this.merge(pair.value as YamlNode, path, out, seen);
        continue;
      }
      const key = keyString(keyNode, this.source.text);
      if (seen.has(key)) continue;
      seen.add(key);
      const keyRange = keyNode?.range ?? [0, 0, 0];
      out[key] = this.walk(pair.value as YamlNode | null, childPath(path, key), keyRange[0], keyRange[1]);
    }
  }

  private scalar(value: unknown, range: readonly number[]): unknown {
    if (value === null || value === undefined) return null;
    if (typeof value === 'boolean') return pyYamlBoolean(value, this.source.text, range);
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
    // Timestamps, binary and other YAML 1.1 oddities stay as the text the user wrote.
    return this.source.text.slice(range[0] ?? 0, range[1] ?? 0);
  }
}

/**
 * YAML 1.1 as the yaml package reads it also takes `y`/`n` for booleans; PyYAML (and so
 * Cloudify) does not, and nodes called `n` are real. Those stay strings.
 */
function pyYamlBoolean(value: boolean, text: string, range: readonly number[]): boolean | string {
  const start = range[0] ?? 0;
  const end = range[1] ?? 0;
  if (end - start !== 1) return value;
  const raw = text.slice(start, end);
  return raw === 'y' || raw === 'Y' || raw === 'n' || raw === 'N' ? raw : value;
}

function isMergeKey(value: unknown): boolean {
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

function keyString(node: YamlNode | null, text: string): string {
  if (!node) return '';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean') return String(pyYamlBoolean(v, text, node.range ?? [0, 0]));
    if (v === null || v === undefined) return '';
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  }
  const r = node.range;
  return r ? text.slice(r[0], r[1]) : '';
}
