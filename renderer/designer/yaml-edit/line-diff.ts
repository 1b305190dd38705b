/**
 * A Myers O(ND) diff over lines, used to find which lines a document edit really changed.
 * Lines are interned to integers first so comparisons are cheap at 10,000+ lines.
 */

/** `a[aStart, aEnd)` is replaced by `b[bStart, bEnd)`. */
export interface Hunk {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/** Above this edit distance the diff gives up and reports one hunk for the differing middle. */
const maxEditDistance = 4000;

/** The hunks that turn `a` into `b`, in order, non-overlapping. */
export function diffLines(a: readonly string[], b: readonly string[]): Hunk[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  if (start === endA && start === endB) return [];
  if (start === endA || start === endB) return [{ aStart: start, aEnd: endA, bStart: start, bEnd: endB }];

  const ids = new Map<string, number>();
  const intern = (line: string): number => {
    let id = ids.get(line);
    if (id === undefined) {
      id = ids.size;
      ids.set(line, id);
    }
    return id;
  };
  const x = Int32Array.from(a.slice(start, endA), intern);
  const y = Int32Array.from(b.slice(start, endB), intern);
  const script = myers(x, y);
  if (!script) return [{ aStart: start, aEnd: endA, bStart: start, bEnd: endB }];
  return script.map((h) => ({ aStart: h.aStart + start, aEnd: h.aEnd + start, bStart: h.bStart + start, bEnd: h.bEnd + start }));
}

function myers(x: Int32Array, y: Int32Array): Hunk[] | undefined {
  const n = x.length;
  const m = y.length;
  const max = Math.min(n + m, maxEditDistance);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v;
    for (let k = -d; k <= d; k += 2) {
      let px: number;
      if (k === -d || (k !== d && next[offset + k - 1]! < next[offset + k + 1]!)) px = next[offset + k + 1]!;
      else px = next[offset + k - 1]! + 1;
      let py = px - k;
      while (px < n && py < m && x[px] === y[py]) {
        px++;
        py++;
      }
      next[offset + k] = px;
      if (px >= n && py >= m) {
        found = d;
        break;
      }
    }
    v = next;
    if (found >= 0) break;
  }
  if (found < 0) return undefined;

  // Walk the trace backwards to recover the path, collecting non-diagonal steps as hunks.
  const hunks: Hunk[] = [];
  let cx = n;
  let cy = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d]!;
    const k = cx - cy;
    const down = k === -d || (k !== d && prev[offset + k - 1]! < prev[offset + k + 1]!);
    const pk = down ? k + 1 : k - 1;
    const px = prev[offset + pk]!;
    const py = px - pk;
    // Diagonal (equal lines) from the step's end back to (cx, cy).
    const sx = down ? px : px + 1;
    const sy = down ? py + 1 : py;
    cx = sx;
    cy = sy;
    // The single insert/delete step itself.
    if (down) hunks.push({ aStart: px, aEnd: px, bStart: py, bEnd: py + 1 });
    else hunks.push({ aStart: px, aEnd: px + 1, bStart: py, bEnd: py });
    cx = px;
    cy = py;
  }
  hunks.reverse();
  // Merge adjacent single steps into hunks.
  const merged: Hunk[] = [];
  for (const h of hunks) {
    const last = merged[merged.length - 1];
    if (last && last.aEnd === h.aStart && last.bEnd === h.bStart) {
      last.aEnd = h.aEnd;
      last.bEnd = h.bEnd;
    } else merged.push({ ...h });
  }
  return merged;
}
