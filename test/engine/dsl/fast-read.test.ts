/**
 * The fast reader must agree with the exact path (yaml's parser + walk) on every document it
 * accepts: same values, same key and value start offsets, same duplicate-key problems. And
 * it must accept the shapes real blueprints use, or the speed-up is lost.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fastRead } from '../../../engine/dsl/fast-read';
import { readWithYaml, Reporter } from '../../../engine/dsl/read';
import { coreTypesFile } from '../../../engine/dsl/core/index';

function exact(text: string): { value: unknown; starts: Map<string, [number, number]>; dups: string[] } {
  const reporter = new Reporter();
  const doc = readWithYaml('/x.yaml', text, 'blueprint', reporter);
  return {
    value: doc.value,
    starts: new Map([...doc.locs].map(([k, l]) => [k, [l.ks, l.vs]])),
    dups: reporter.problems.filter((p) => p.code === 'duplicate-key').map((p) => `${p.path}@${p.range.offset}`),
  };
}

/** Asserts agreement when the fast reader accepts the text; returns whether it did. */
function agrees(text: string): boolean {
  const fast = fastRead(text);
  if (!fast) return false;
  const ref = exact(text);
  expect(fast.value).toEqual(ref.value);
  const starts = new Map([...fast.locs].map(([k, l]) => [k, [l.ks, l.vs]]));
  expect([...starts.keys()].sort()).toEqual([...ref.starts.keys()].sort());
  for (const [k, v] of ref.starts) expect(starts.get(k), k).toEqual(v);
  expect(fast.duplicates.map((d) => `${d.path}@${d.ks}`)).toEqual(ref.dups);
  return true;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

describe('fast reader', () => {
  it('agrees with the yaml package on the core library and every fixture it accepts', () => {
    const files = [coreTypesFile, ...yamlFiles(join(import.meta.dirname, '../../fixtures'))];
    let accepted = 0;
    for (const f of files) if (agrees(readFileSync(f, 'utf8'))) accepted++;
    // Most real files are inside the subset (else the fast path buys nothing).
    expect(accepted / files.length).toBeGreaterThan(0.6);
  });

  it.each([
    ['block maps and sequences', 'a:\n  b: 1\n  c:\n    - x\n    - y: 2\n      z: [1, "two", {k: v}]\nd: ~\n'],
    ['sequence at the key indentation', 'imports:\n- a.yaml\n- b.yaml\nnext: 1\n'],
    ['comments and blank lines', '# head\na: 1 # one\n\n  # indented comment\nb:\n  # inside\n  c: 2\n'],
    ['YAML 1.1 scalars', 'a: yes\nb: Off\nc: y\nd: 0x1F\ne: 0755\nf: 1_000\ng: 1.5e3\nh: .inf\ni: 2001-12-14\nj: 10.0.0.1\nk: null\nl: 1:30\n'],
    ['quoted scalars', `a: 'it''s'\nb: "tab\\there \\u00e9"\nc: "#not comment"\n'd e': 1\n"f": 2\n`],
    ['block scalars', 'a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\n\n  para\nc: |+\n  keep\n\nd: 1\n'],
    ['anchors and aliases', 'defs:\n  x: &cfg\n    host: h\n    port: 1\nuse:\n  a: *cfg\n  b: &v 5\n  c: *v\n'],
    ['empty values', 'a:\nb: {}\nc: []\nd:\n  e:\n'],
    ['duplicate keys', 'a: 1\nb: 2\na: 3\n'],
    ['urls and colons in plain scalars', 'a: http://x.org/y?z=1\nb: c:d\n'],
    ['merge keys', 'defs:\n  a: &a\n    k: 1\n    n: { deep: [1, 2] }\n  b: &b { k: 2, j: 3 }\nuse:\n  one:\n    <<: *a\n    k: 9\n  two:\n    <<: [*b, *a]\n'],
  ])('accepts and agrees on %s', (_name, text) => {
    expect(agrees(text)).toBe(true);
  });

  it.each([
    ['tags', 'a: !!str 1\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line flow', 'a: [1,\n  2]\n'],
    ['document markers', '---\na: 1\n'],
    ['tabs', 'a:\n\tb: 1\n'],
    ['merge keys on the next line', 'a: &x {k: 1}\nb:\n  <<:\n    *x\n'],
    ['syntax errors', 'a: [1, 2\n'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n'],
  ])('leaves %s to the yaml package', (_name, text) => {
    expect(fastRead(text)).toBeUndefined();
  });

  it('agrees with the yaml package on generated documents', () => {
    const key = fc.stringMatching(/^[a-z_][a-z0-9_.]{0,8}$/);
    const scalar = fc.oneof(
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('yes', 'no', 'on', '~', '0x10', '1_0', 'a: b', '#x', "it's", 'k:v', '- x', '10.0.0.1'),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
    })).v;
    let accepted = 0;
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }), fc.boolean(), (doc, flow) => {
        const text = stringify(doc, { collectionStyle: flow ? 'any' : 'block', lineWidth: 0 });
        if (agrees(text)) accepted++;
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('fast reader on arbitrary text', () => {
  it('never throws, and accepts only what the yaml package reads without errors, with the same values and locations', () => {
    const piece = fc.constantFrom(
      'a', 'b', 'key', ':', ': ', ' ', '  ', '    ', '\n', '- ', '-', '#', ' #c', '[', ']', '{', '}', ',', '"', "'",
      '|', '>', '|-', '&x ', '*x', '<<: ', '1', 'yes', '~', '\\', 'é', '?', '!', '%', '---', '...',
      '\n  ', '\n- ', 'k: ', '"q"', "'s'", '\n    ', 'x: |\n  ', ': [', '{a: 1}', '- k: v\n  ',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        const fast = fastRead(text);
        if (!fast) return;
        const reporter = new Reporter();
        const doc = readWithYaml('/x.yaml', text, 'blueprint', reporter);
        const yamlErrors = reporter.problems.filter((p) => p.code === 'yaml-syntax' && p.severity === 'error');
        expect(yamlErrors, `fast reader accepted invalid YAML: ${JSON.stringify(text)}`).toEqual([]);
        expect(fast.value, JSON.stringify(text)).toEqual(doc.value);
        for (const [path, loc] of doc.locs) {
          const mine = fast.locs.get(path);
          expect(mine && [mine.ks, mine.vs], `${JSON.stringify(text)} at ${path}`).toEqual([loc.ks, loc.vs]);
        }
      }),
      { numRuns: Number(process.env.FAST_READ_RUNS ?? 3000) },
    );
  });

  it('agrees with the yaml package on documents built from anchors, aliases and merges', () => {
    const anchors = 'x: &x\n  k: 1\n  m: [1, 2]\ny: &y { k: 2, j: 3 }\nz: &z 5\nf:\n  g: &g\n    <<: *y\n    h: 1\n';
    const line = fc.constantFrom(
      'a:\n  <<: *x\n',
      'b:\n  k: 9\n  <<: *y\n',
      'c:\n  <<: [*y, *x]\n  q: 1\n',
      'd:\n  - <<: *x\n    r: 2\n',
      'e: *x\n',
      'i:\n  <<: *g\n',
      'j: [*z, *z]\n',
      'k:\n  <<: *z\n',
      'w: &x { k: 7 }\n',
      'v:\n  <<: *x\n  m: 0\n',
    );
    const runs = Number(process.env.FAST_READ_RUNS ?? 500);
    let accepted = 0;
    fc.assert(
      fc.property(fc.uniqueArray(line, { minLength: 1, maxLength: 8 }), (lines) => {
        const text = anchors + lines.join('');
        const fast = fastRead(text);
        if (!fast) return;
        accepted++;
        const reporter = new Reporter();
        const doc = readWithYaml('/x.yaml', text, 'blueprint', reporter);
        expect(reporter.problems.filter((p) => p.code === 'yaml-syntax' && p.severity === 'error'), text).toEqual([]);
        expect(fast.value, text).toEqual(doc.value);
        for (const [path, loc] of doc.locs) {
          const mine = fast.locs.get(path);
          expect(mine && [mine.ks, mine.vs], `${text} at ${path}`).toEqual([loc.ks, loc.vs]);
        }
      }),
      { numRuns: runs },
    );
    // Merging a scalar is an error (left to yaml); the rest must be read here.
    expect(accepted).toBeGreaterThan(runs / 4);
  });
});
