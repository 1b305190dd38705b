/**
 * Turns "the document after an edit" into minimal edits of the ORIGINAL text.
 *
 * The yaml package re-stringifies a whole document in its own style (comment spacing, flow
 * padding, folded scalars), so writing `doc.toString()` back would reformat the user's file.
 * Instead we stringify the document twice, before (`normalBefore`) and after
 * (`normalAfter`) the edit: their line diff is exactly what the edit changed, in the same
 * style. Those hunks are mapped back onto the original text through a second diff
 * (original ↔ normalBefore) that pairs each unchanged line with its original. Lines that
 * only differ by style stay as the user wrote them unless a change touches them.
 */
import { diffLines, type Hunk } from './line-diff';

/** Replace `text[start, end)` with `insert` (offsets into the original text). */
export interface TextEdit {
  start: number;
  end: number;
  insert: string;
}

/** Computes the edits that carry the change `normalBefore → normalAfter` over to `original`. */
export function spliceChanges(original: string, normalBefore: string, normalAfter: string): TextEdit[] {
  const o = original.split('\n');
  const a = normalBefore.split('\n');
  const b = normalAfter.split('\n');
  const changes = diffLines(a, b);
  if (changes.length === 0) return [];

  // aToO[i] = the original line paired with normalBefore line i, or -1 when it only exists
  // in a restyled form.
  const aToO = new Int32Array(a.length).fill(-1);
  let ai = 0;
  let oi = 0;
  for (const h of [...diffLines(o, a), { aStart: o.length, aEnd: o.length, bStart: a.length, bEnd: a.length }]) {
    while (oi < h.aStart && ai < h.bStart) aToO[ai++] = oi++;
    oi = h.aEnd;
    ai = h.bEnd;
  }

  // Where a hunk starts/ends in the original: from its own first/last line when that line
  // has an original, else from the neighbouring line. Undefined when neither has one.
  const has = (i: number): boolean => aToO[i] !== -1;
  const startIn = (h: Hunk): number | undefined => {
    if (h.aStart < h.aEnd && has(h.aStart)) return aToO[h.aStart]!;
    if (h.aStart === 0) return 0;
    if (has(h.aStart - 1)) return aToO[h.aStart - 1]! + 1;
    // A pure insertion can also be placed before the following line.
    if (h.aStart === h.aEnd) return h.aEnd === a.length ? o.length : has(h.aEnd) ? aToO[h.aEnd]! : undefined;
    return undefined;
  };
  const endIn = (h: Hunk): number | undefined => {
    if (h.aStart === h.aEnd) return startIn(h);
    if (has(h.aEnd - 1)) return aToO[h.aEnd - 1]! + 1;
    if (h.aEnd === a.length) return o.length;
    return has(h.aEnd) ? aToO[h.aEnd]! : undefined;
  };

  // Grow a hunk over restyled lines only while it cannot be placed, never into a neighbour
  // (where the a/b line offset differs): hunks that meet are merged.
  const hunks: Hunk[] = [];
  for (let i = 0; i < changes.length; i++) {
    const h = { ...changes[i]! };
    const floor = hunks[hunks.length - 1]?.aEnd ?? 0;
    const ceiling = changes[i + 1]?.aStart ?? a.length;
    while (startIn(h) === undefined && h.aStart > floor) {
      h.aStart--;
      h.bStart--;
    }
    while (endIn(h) === undefined && h.aEnd < ceiling) {
      h.aEnd++;
      h.bEnd++;
    }
    const last = hunks[hunks.length - 1];
    if (last && (h.aStart < last.aEnd || (h.aStart === last.aEnd && (endIn(last) === undefined || startIn(h) === undefined)))) {
      // Lines between the two are equal in a and b, so the union maps one to one.
      last.aEnd = h.aEnd;
      last.bEnd = h.bEnd;
    } else hunks.push(h);
  }

  const lineStart = lineOffsets(original);
  const edits: TextEdit[] = [];
  for (const h of hunks) {
    const oStart = startIn(h) ?? 0;
    const oEnd = Math.max(oStart, endIn(h) ?? o.length);
    // yaml writes an indented empty line in some places; never leave trailing spaces.
    const replacement = b.slice(h.bStart, h.bEnd).map((line) => (line.trim() === '' ? '' : line));
    edits.push(lineRangeEdit(original, lineStart, o.length, oStart, oEnd, replacement));
  }
  return edits.map((e) => trimEdit(original, e)).filter((e) => e.start !== e.end || e.insert !== '');
}

/** Applies non-overlapping edits (any order) to a text. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((x, y) => x.start - y.start);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    out += text.slice(at, e.start) + e.insert;
    at = e.end;
  }
  return out + text.slice(at);
}

function lineOffsets(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Replaces original lines `[from, to)` with `lines`, expressed as a character edit. */
function lineRangeEdit(text: string, starts: number[], lineCount: number, from: number, to: number, lines: string[]): TextEdit {
  if (from < to) {
    const start = starts[from]!;
    // Replace whole lines including their line breaks; the last line of the text has none.
    const end = to < lineCount ? starts[to]! : text.length;
    const insert = lines.length === 0 ? '' : lines.join('\n') + (to < lineCount ? '\n' : '');
    return { start, end, insert };
  }
  // Pure insertion before original line `from`.
  if (from < lineCount) return { start: starts[from]!, end: starts[from]!, insert: lines.map((l) => l + '\n').join('') };
  return { start: text.length, end: text.length, insert: lines.map((l) => '\n' + l).join('') };
}

/** Shrinks an edit to the characters that really change. */
function trimEdit(text: string, e: TextEdit): TextEdit {
  const old = text.slice(e.start, e.end);
  let p = 0;
  const max = Math.min(old.length, e.insert.length);
  while (p < max && old.charCodeAt(p) === e.insert.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && old.charCodeAt(old.length - 1 - s) === e.insert.charCodeAt(e.insert.length - 1 - s)) s++;
  return { start: e.start + p, end: e.end - s, insert: e.insert.slice(p, e.insert.length - s) };
}
