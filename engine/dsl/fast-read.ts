/**
 * A fast reader for the plain subset of YAML that blueprints are written in: block maps and
 * sequences indented with spaces, one-line plain and quoted scalars, one-line flow
 * collections, literal/folded block scalars, comments, anchors, aliases and `<<` merges
 * (`<<: *a` and `<<: [*a, *b]` on the key's line).
 *
 * Why: the yaml package is exact but costs ~0.1 ms per node template, which alone exceeds
 * the budget for a 10,000-node blueprint. This reader produces the same values and the same
 * locations as read.ts's walk over yaml's tree (a differential test holds it to that) and
 * gives up — returning undefined — at the first thing outside its subset (tabs, tags,
 * directives, documents markers, multi-line plain or quoted scalars, multi-line flow
 * collections, complex keys, anything malformed), so read.ts falls back to the yaml package
 * for the document and its exact problems. Plain scalars are resolved with the yaml
 * package's own YAML 1.1 tag tests, so `yes`, `0x1F` or `1_000` mean what they mean there.
 */
import { Schema } from 'yaml';
import { childPath } from './read-path';
import type { Loc } from './read-path';

interface ScalarTagLike {
  tag: string;
  default?: boolean | 'key';
  test?: RegExp;
  resolve: (value: string, onError: (message: string) => void, options: object) => unknown;
}

const TAGS = (new Schema({ schema: 'yaml-1.1' }).tags as unknown as ScalarTagLike[]).filter(
  (t) => t.default === true && t.test instanceof RegExp,
);
const TIMESTAMP = 'tag:yaml.org,2002:timestamp';

/** Resolves a plain scalar exactly as the yaml package does under the 1.1 schema. */
function resolvePlain(s: string): unknown {
  for (const tag of TAGS) {
    if (!tag.test?.test(s)) continue;
    if (tag.tag === TIMESTAMP) return s;
    let v = tag.resolve(s, () => undefined, {});
    // Some tags answer with a Scalar node rather than the bare value.
    if (typeof v === 'object' && v !== null && 'value' in v) v = (v).value;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean' && (s === 'y' || s === 'Y' || s === 'n' || s === 'N')) return s;
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
    return s;
  }
  return s;
}

/** A resolved plain key as the map key read.ts's walk would use. */
function keyText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

export interface FastReadResult {
  value: unknown;
  locs: Map<string, Loc>;
  /** Duplicate keys, as paths with their key offsets. */
  duplicates: { path: string; key: string; ks: number; ke: number }[];
}

class GiveUp extends Error {}

const giveUp = (): never => {
  throw new GiveUp();
};

/** Parses `text`, or returns undefined when it is outside the subset. */
export function fastRead(text: string): FastReadResult | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  // Document markers and directives: several documents are the yaml package's business.
  if (/^(?:---|\.\.\.)(?:[ \n]|$)|^%/m.test(text)) return undefined;
  try {
    return new FastReader(text).read();
  } catch (e) {
    if (e instanceof GiveUp || e instanceof RangeError) return undefined;
    throw e;
  }
}

interface Anchored {
  value: unknown;
}

/** Beyond this many anchors the location bookkeeping would cost more than yaml does. */
const MAX_ANCHORS = 64;

class FastReader {
  private pos = 0;
  private readonly locs = new Map<string, Loc>();
  private readonly duplicates: FastReadResult['duplicates'] = [];
  private readonly anchors = new Map<string, Anchored>();
  /** Locations of an anchored subtree, relative to its path, for aliases (yaml re-walks). */
  private readonly anchorLocs = new Map<string, { path: string; locs: [string, Loc][] }>();
  private readonly n: number;

  constructor(private readonly text: string) {
    this.n = text.length;
  }

  read(): FastReadResult {
    this.skipBlankLines();
    let value: unknown = null;
    if (this.pos >= this.n) {
      this.locs.set('', { ks: -1, ke: -1, vs: 0, ve: 0 });
    } else {
      const col = this.column(this.pos);
      if (this.text.startsWith('---', this.pos) || this.text[this.pos] === '%') giveUp();
      value = this.blockNode(col, '', -1, -1, -1, true);
      this.skipBlankLines();
      if (this.pos < this.n) giveUp();
    }
    return { value, locs: this.locs, duplicates: this.duplicates };
  }

  // ------------------------------------------------------------------ lines and positions

  private lineStart(p: number): number {
    const nl = this.text.lastIndexOf('\n', p - 1);
    return nl + 1;
  }

  private column(p: number): number {
    return p - this.lineStart(p);
  }

  private lineEnd(p: number): number {
    const nl = this.text.indexOf('\n', p);
    return nl < 0 ? this.n : nl;
  }

  /** Skips empty and comment-only lines; leaves pos at the first content character. */
  private skipBlankLines(): void {
    for (;;) {
      let p = this.pos;
      while (p < this.n && this.text.charCodeAt(p) === 32) p++;
      if (p >= this.n) {
        this.pos = this.n;
        return;
      }
      const c = this.text[p];
      if (c === '\n') {
        this.pos = p + 1;
        continue;
      }
      if (c === '#') {
        this.pos = this.lineEnd(p) + 1;
        if (this.pos > this.n) this.pos = this.n;
        continue;
      }
      this.pos = p;
      return;
    }
  }

  /** After a value on a line: only spaces and an optional comment may follow. */
  private endOfLine(p: number): void {
    while (p < this.n && this.text.charCodeAt(p) === 32) p++;
    if (p < this.n && this.text[p] === '#') {
      if (this.text[p - 1] !== ' ') giveUp();
      p = this.lineEnd(p);
    }
    if (p < this.n && this.text[p] !== '\n') giveUp();
    this.pos = p < this.n ? p + 1 : this.n;
  }

  /** YAML: a plain scalar may not start with an indicator (`-?:` only before a non-space). */
  private plainStart(p: number): boolean {
    const c = this.text[p];
    if (c === undefined || c === ' ' || c === '\n') return false;
    if ('-?:'.includes(c)) {
      const next = this.text[p + 1];
      return next !== undefined && next !== ' ' && next !== '\n' && !',[]{}'.includes(next);
    }
    return !',[]{}#&*!|>\'"%@`'.includes(c);
  }

  private restIsEmpty(p: number): boolean {
    while (p < this.n && this.text.charCodeAt(p) === 32) p++;
    return p >= this.n || this.text[p] === '\n' || (this.text[p] === '#' && this.text[p - 1] === ' ');
  }

  // ------------------------------------------------------------------ block structure

  /**
   * A node that starts at pos (the first content character, at column `col`): a block
   * sequence, a block map, or an inline value on this line.
   */
  private blockNode(col: number, path: string, ks: number, ke: number, parentCol: number, topLevel = false): unknown {
    const c = this.text[this.pos];
    if (c === '-' && this.isSeqDash(this.pos)) return this.blockSeq(col, path, ks, ke);
    if (this.keyEnd(this.pos) >= 0) return this.blockMap(col, path, ks, ke);
    if (topLevel) giveUp();
    // Block scalars and continuation lines are measured against the enclosing block.
    return this.inlineValue(path, ks, ke, parentCol);
  }

  private isSeqDash(p: number): boolean {
    const next = this.text[p + 1];
    return next === undefined || next === ' ' || next === '\n';
  }

  private blockSeq(col: number, path: string, ks: number, ke: number): unknown[] {
    const out: unknown[] = [];
    const start = this.pos;
    const loc: Loc = { ks, ke, vs: start, ve: start };
    this.locs.set(path, loc);
    let end = start;
    for (;;) {
      if (this.pos >= this.n || this.column(this.pos) !== col || this.text[this.pos] !== '-' || !this.isSeqDash(this.pos)) break;
      const itemPath = childPath(path, out.length);
      let p = this.pos + 1;
      while (p < this.n && this.text.charCodeAt(p) === 32) p++;
      if (this.restIsEmpty(p)) {
        this.endOfLine(p);
        out.push(this.nestedBlock(col, itemPath, -1, -1, p, false));
      } else {
        this.pos = p;
        out.push(this.blockNode(this.column(p), itemPath, -1, -1, col));
      }
      end = this.locs.get(itemPath)?.ve ?? end;
      this.skipBlankLines();
    }
    loc.ve = end;
    return out;
  }

  /**
   * The value of an entry whose line ended after `key:` or `-`: a more indented block on
   * the following lines, a sequence at the same indentation (maps only), or null.
   */
  private nestedBlock(parentCol: number, path: string, ks: number, ke: number, emptyAt: number, allowSameIndentSeq: boolean): unknown {
    const save = this.pos;
    this.skipBlankLines();
    if (this.pos < this.n) {
      const col = this.column(this.pos);
      const c = this.text[this.pos];
      if (col > parentCol) return this.blockNode(col, path, ks, ke, parentCol);
      if (allowSameIndentSeq && col === parentCol && c === '-' && this.isSeqDash(this.pos)) return this.blockSeq(col, path, ks, ke);
    }
    this.pos = save;
    this.locs.set(path, { ks, ke, vs: emptyAt, ve: emptyAt });
    return null;
  }

  private blockMap(col: number, path: string, ks0: number, ke0: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    const merges: string[] = [];
    const start = this.pos;
    const loc: Loc = { ks: ks0, ke: ke0, vs: start, ve: start };
    this.locs.set(path, loc);
    let end = start;
    for (;;) {
      if (this.pos >= this.n || this.column(this.pos) !== col) break;
      const c = this.text[this.pos];
      if (c === '-' && this.isSeqDash(this.pos)) break;
      const keyEnd = this.keyEnd(this.pos);
      if (keyEnd < 0) giveUp();
      const ks = this.pos;
      const { key, isMerge } = this.readKey(ks, keyEnd);
      // An empty (null) key's path would collide with its map's own path.
      if (key === '') giveUp();
      const ke = keyEnd;
      let p = keyEnd + 1;
      while (p < this.n && this.text.charCodeAt(p) === 32) p++;
      const p2 = childPath(path, key);
      let value: unknown;
      const duplicate = !isMerge && seen.has(key);
      if (isMerge) {
        // `<<: *a` or `<<: [*a, *b]`, applied after the map's own keys (which win).
        const le = this.lineEnd(p);
        const rest = this.text.slice(p, le).replace(/\s+#.*$/, '').trimEnd();
        const m = /^(?:\*([^\s,[\]{}]+)|\[\s*\*([^\s,[\]{}]+)((?:\s*,\s*\*[^\s,[\]{}]+)*)\s*\])$/.exec(rest);
        if (!m) giveUp();
        const names = m?.[1] !== undefined ? [m[1]] : [m?.[2] as string, ...[...(m?.[3] ?? '').matchAll(/\*([^\s,[\]{}]+)/g)].map((x) => x[1] as string)];
        merges.push(...names);
        this.pos = le < this.n ? le + 1 : this.n;
        this.skipBlankLines();
        continue;
      }
      if (duplicate) {
        // The walk over yaml's tree records the duplicate key's own span first, then
        // overwrites it with the value: replay that order.
        this.duplicates.push({ path: p2, key, ks, ke });
      }
      if (this.restIsEmpty(p)) {
        this.endOfLine(p);
        value = this.nestedBlock(col, p2, ks, ke, p, true);
      } else {
        this.pos = p;
        value = this.inlineValue(p2, ks, ke, col);
      }
      seen.add(key);
      out[key] = value;
      end = this.locs.get(p2)?.ve ?? end;
      this.skipBlankLines();
    }
    for (const name of merges) this.merge(name, path, out, seen);
    loc.ve = end;
    return out;
  }

  /** End offset of a plain or quoted mapping key starting at p (the ':'), or -1. */
  private keyEnd(p: number): number {
    const c = this.text[p];
    if (c === '"' || c === "'") {
      const q = this.quotedEnd(p);
      if (q < 0) return -1;
      let e = q;
      while (e < this.n && this.text.charCodeAt(e) === 32) e++;
      if (this.text[e] === ':' && (e + 1 >= this.n || this.text[e + 1] === ' ' || this.text[e + 1] === '\n')) {
        if (e !== q) giveUp();
        return e;
      }
      return -1;
    }
    if (!this.plainStart(p)) return -1;
    const end = this.lineEnd(p);
    for (let i = p; i < end; i++) {
      const ch = this.text[i];
      if (ch === ':' && (i + 1 >= this.n || this.text[i + 1] === ' ' || this.text[i + 1] === '\n')) {
        // Trailing spaces before ':' would be part of yaml's key range; keep it simple.
        if (this.text[i - 1] === ' ') giveUp();
        return i;
      }
      if (ch === '#' && this.text[i - 1] === ' ') return -1;
    }
    return -1;
  }

  private readKey(ks: number, keyEnd: number): { key: string; isMerge: boolean } {
    const c = this.text[ks];
    if (c === '"' || c === "'") return { key: this.quotedValue(ks, this.quotedEnd(ks)), isMerge: false };
    const raw = this.text.slice(ks, keyEnd);
    if (raw === '<<') return { key: raw, isMerge: true };
    return { key: keyText(resolvePlain(raw)), isMerge: false };
  }

  // ------------------------------------------------------------------ inline values

  /** A value that starts on the current line at pos. */
  private inlineValue(path: string, ks: number, ke: number, parentCol: number): unknown {
    // Only a map value (it has a key) may continue as a sequence at the key's indentation.
    const inMap = ks >= 0;
    const p = this.pos;
    const c = this.text[p];
    if (c === '&') {
      let e = p + 1;
      while (e < this.n && !' \n'.includes(this.text[e] as string)) e++;
      const name = this.text.slice(p + 1, e);
      if (name === '' || /[[\]{},]/.test(name) || this.anchors.size >= MAX_ANCHORS) giveUp();
      while (e < this.n && this.text.charCodeAt(e) === 32) e++;
      if (this.text[e] === '&' || this.text[e] === '*') giveUp();
      // A second definition at a path already read (a duplicate key) would leave stale
      // locations under it: the exact path handles that.
      if (this.locs.has(path) || path === '') giveUp();
      let value: unknown;
      if (this.restIsEmpty(e)) {
        this.endOfLine(e);
        value = this.nestedBlock(parentCol, path, ks, ke, e, inMap);
        // yaml's node for an anchored block starts at the anchor.
      } else {
        this.pos = e;
        value = this.inlineValue(path, ks, ke, parentCol);
      }
      const captured: [string, Loc][] = [];
      const inside = [`${path}.`, `${path}[`];
      for (const [k, v] of this.locs) if (k === path || k.startsWith(inside[0] as string) || k.startsWith(inside[1] as string)) captured.push([k, v]);
      this.anchors.set(name, { value });
      this.anchorLocs.set(name, { path, locs: captured });
      return value;
    }
    if (c === '*') {
      let e = p + 1;
      while (e < this.n && !' \n,]}'.includes(this.text[e] as string)) e++;
      const name = this.text.slice(p + 1, e);
      const anchored = this.anchors.get(name);
      if (!anchored) giveUp();
      this.replayAnchor(name, path);
      this.locs.set(path, { ks, ke, vs: p, ve: e });
      this.endOfLine(e);
      return structuredClone((anchored as Anchored).value);
    }
    if (c === '!' || c === '%' || c === '@' || c === '`' || c === '?') giveUp();
    if (c === '|' || c === '>') return this.blockScalar(path, ks, ke, parentCol);
    if (c === '[' || c === '{') {
      const [value, e] = this.flow(p, path, ks, ke);
      this.endOfLine(e);
      return value;
    }
    if (c === '"' || c === "'") {
      const e = this.quotedEnd(p);
      if (e < 0) giveUp();
      const value = this.quotedValue(p, e);
      this.locs.set(path, { ks, ke, vs: p, ve: e });
      this.endOfLine(e);
      return value;
    }
    if (!this.plainStart(p)) giveUp();
    // Plain scalar to the end of the line or a comment.
    const lineEnd = this.lineEnd(p);
    let e = p;
    for (let i = p; i < lineEnd; i++) {
      const ch = this.text[i];
      if (ch === '#' && this.text[i - 1] === ' ') break;
      if (ch === ':' && (i + 1 >= lineEnd || this.text[i + 1] === ' ')) giveUp();
      if (ch !== ' ') e = i + 1;
    }
    const raw = this.text.slice(p, e);
    this.locs.set(path, { ks, ke, vs: p, ve: e });
    this.endOfLine(e);
    this.noContinuation(parentCol);
    return resolvePlain(raw);
  }

  /** A plain scalar continued on a more indented next line is outside the subset. */
  private noContinuation(parentCol: number): void {
    const save = this.pos;
    this.skipBlankLines();
    if (this.pos < this.n && this.column(this.pos) > parentCol) giveUp();
    this.pos = save;
  }

  /** Copies an anchored map's entries the map does not set itself, with their locations. */
  private merge(name: string, path: string, out: Record<string, unknown>, seen: Set<string>): void {
    const anchored = this.anchors.get(name);
    const a = this.anchorLocs.get(name);
    if (!anchored || !a) return giveUp();
    const source = anchored.value;
    if (typeof source !== 'object' || source === null || Array.isArray(source)) giveUp();
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      if (seen.has(key)) continue;
      seen.add(key);
      out[key] = structuredClone(value);
      const from = childPath(a.path, key);
      const to = childPath(path, key);
      for (const [k, loc] of a.locs) {
        if (k === from || k.startsWith(`${from}.`) || k.startsWith(`${from}[`)) this.locs.set(to + k.slice(from.length), loc);
      }
    }
  }

  private replayAnchor(name: string, path: string): void {
    const a = this.anchorLocs.get(name);
    if (!a) return;
    for (const [k, v] of a.locs) {
      if (k === a.path) continue;
      this.locs.set(path + k.slice(a.path.length), v);
    }
  }

  private quotedEnd(p: number): number {
    const q = this.text[p];
    const lineEnd = this.lineEnd(p);
    for (let i = p + 1; i < lineEnd; i++) {
      const ch = this.text[i];
      if (q === '"' && ch === '\\') {
        i++;
        continue;
      }
      if (ch === q) {
        if (q === "'" && this.text[i + 1] === "'") {
          i++;
          continue;
        }
        return i + 1;
      }
    }
    return -1;
  }

  private quotedValue(p: number, e: number): string {
    const body = this.text.slice(p + 1, e - 1);
    if (this.text[p] === "'") return body.replace(/''/g, "'");
    if (!body.includes('\\')) return body;
    return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, esc: string) => {
      switch (esc[0]) {
        case 'n':
          return '\n';
        case 't':
          return '\t';
        case 'r':
          return '\r';
        case '0':
          return '\0';
        case '\\':
          return '\\';
        case '"':
          return '"';
        case '/':
          return '/';
        case ' ':
          return ' ';
        case 'x':
        case 'u':
        case 'U':
          return String.fromCodePoint(parseInt(esc.slice(1), 16));
        default:
          return giveUp();
      }
    });
  }

  private blockScalar(path: string, ks: number, ke: number, parentCol: number): string {
    const p = this.pos;
    const style = this.text[p];
    let h = p + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    if (this.text[h] === '-') {
      chomp = 'strip';
      h++;
    } else if (this.text[h] === '+') {
      chomp = 'keep';
      h++;
    }
    if (/[0-9]/.test(this.text[h] ?? '')) giveUp();
    this.endOfLine(h);
    // Content: following lines indented more than the parent, and blank lines among them.
    const lines: string[] = [];
    let indent = -1;
    let leadingSpaces = 0;
    let end = this.pos;
    for (;;) {
      if (this.pos >= this.n) break;
      const le = this.lineEnd(this.pos);
      const line = this.text.slice(this.pos, le);
      const trimmed = line.trimStart();
      const lineIndent = line.length - trimmed.length;
      if (trimmed === '') {
        // Whitespace-only lines deeper than the content carry spaces (or are errors).
        if (indent >= 0 && lineIndent > indent) giveUp();
        if (indent < 0) leadingSpaces = Math.max(leadingSpaces, lineIndent);
        lines.push('');
        this.pos = le < this.n ? le + 1 : this.n;
        continue;
      }
      if (indent < 0) {
        if (lineIndent <= parentCol) break;
        indent = lineIndent;
        if (leadingSpaces > indent) giveUp();
      }
      if (lineIndent < indent) break;
      if (lineIndent > indent && style === '>') giveUp();
      lines.push(line.slice(indent));
      this.pos = le < this.n ? le + 1 : this.n;
      end = le;
    }
    // Blank lines after the content belong to the chomping, not to the next node.
    let trailing = 0;
    while (lines.length > 0 && lines[lines.length - 1] === '') {
      lines.pop();
      trailing++;
    }
    let value: string;
    if (style === '|') value = lines.join('\n');
    else {
      // Folding: a single line break becomes a space; each empty line is one newline.
      value = '';
      let prevContent = false;
      for (const line of lines) {
        if (line === '') value += '\n';
        else {
          if (prevContent) value += ' ';
          value += line;
        }
        prevContent = line !== '';
      }
    }
    if (lines.length > 0) {
      if (chomp === 'clip') value += '\n';
      else if (chomp === 'keep') value += '\n'.repeat(trailing + 1);
    } else if (chomp === 'keep') value = '\n'.repeat(trailing);
    this.locs.set(path, { ks, ke, vs: p, ve: end });
    return value;
  }

  // ------------------------------------------------------------------ flow collections

  /** Parses a one-line flow collection at p; returns the value and the end offset. */
  private flow(p: number, path: string, ks: number, ke: number): [unknown, number] {
    const open = this.text[p];
    const close = open === '[' ? ']' : '}';
    const lineEnd = this.lineEnd(p);
    let i = p + 1;
    const skip = (): void => {
      while (i < lineEnd && this.text.charCodeAt(i) === 32) i++;
      if (i >= lineEnd) giveUp();
    };
    if (open === '[') {
      const out: unknown[] = [];
      for (;;) {
        skip();
        if (this.text[i] === ']') {
          i++;
          break;
        }
        const [v, e] = this.flowItem(i, childPath(path, out.length), -1, -1, lineEnd);
        out.push(v);
        i = e;
        skip();
        if (this.text[i] === ',') i++;
        else if (this.text[i] !== ']') giveUp();
      }
      this.locs.set(path, { ks, ke, vs: p, ve: i });
      return [out, i];
    }
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (;;) {
      skip();
      if (this.text[i] === close) {
        i++;
        break;
      }
      // Key: quoted or plain up to ':' (followed by space), ',' or '}'.
      const kStart = i;
      let key: string;
      let kEnd: number;
      const c = this.text[i];
      if (c === '"' || c === "'") {
        kEnd = this.quotedEnd(i);
        if (kEnd < 0) giveUp();
        key = this.quotedValue(i, kEnd);
      } else {
        if (!this.plainStart(i)) giveUp();
        let e = i;
        while (e < lineEnd) {
          const ch = this.text[e];
          if (ch === ',' || ch === '}' || ch === '[' || ch === ']' || ch === '{') break;
          if (ch === ':' && (this.text[e + 1] === ' ' || this.text[e + 1] === ',' || this.text[e + 1] === '}')) break;
          e++;
        }
        kEnd = e;
        while (kEnd > i && this.text[kEnd - 1] === ' ') kEnd--;
        const raw = this.text.slice(i, kEnd);
        if (raw === '<<') giveUp();
        key = keyText(resolvePlain(raw));
      }
      if (key === '') giveUp();
      i = kEnd;
      while (i < lineEnd && this.text.charCodeAt(i) === 32) i++;
      const kp = childPath(path, key);
      if (seen.has(key)) this.duplicates.push({ path: kp, key, ks: kStart, ke: kEnd });
      seen.add(key);
      if (this.text[i] === ':') {
        i++;
        skip();
        if (this.text[i] === ',' || this.text[i] === '}') {
          this.locs.set(kp, { ks: kStart, ke: kEnd, vs: i, ve: i });
          out[key] = null;
        } else {
          const [v, e] = this.flowItem(i, kp, kStart, kEnd, lineEnd);
          out[key] = v;
          i = e;
        }
      } else {
        giveUp();
      }
      skip();
      if (this.text[i] === ',') i++;
      else if (this.text[i] !== '}') giveUp();
    }
    this.locs.set(path, { ks, ke, vs: p, ve: i });
    return [out, i];
  }

  private flowItem(i: number, path: string, ks: number, ke: number, lineEnd: number): [unknown, number] {
    const c = this.text[i];
    if (c === '[' || c === '{') return this.flow(i, path, ks, ke);
    if (c === '"' || c === "'") {
      const e = this.quotedEnd(i);
      if (e < 0) giveUp();
      this.locs.set(path, { ks, ke, vs: i, ve: e });
      return [this.quotedValue(i, e), e];
    }
    if (!this.plainStart(i)) giveUp();
    let e = i;
    while (e < lineEnd) {
      const ch = this.text[e];
      if (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{') break;
      if (ch === ':' && (this.text[e + 1] === ' ' || this.text[e + 1] === ',' || this.text[e + 1] === ']' || this.text[e + 1] === '}')) giveUp();
      if (ch === '#' && this.text[e - 1] === ' ') giveUp();
      e++;
    }
    let end = e;
    while (end > i && this.text[end - 1] === ' ') end--;
    this.locs.set(path, { ks, ke, vs: i, ve: end });
    return [resolvePlain(this.text.slice(i, end)), e];
  }
}
