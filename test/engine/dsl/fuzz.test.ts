/**
 * Property test: mutate the valid fixtures (delete, duplicate and retype keys, random
 * scalars and function calls, truncations and stray YAML punctuation) and check that the
 * compiler never throws, always answers with a plan or with errors, and locates every
 * problem (file, line >= 1, column >= 1).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { compile } from '../../../engine/dsl/index';
import type { CompileResult } from '../../../engine/dsl/index';
import { hasErrors } from '../../../engine/dsl/problem';
import { counterSuffix, fixtureResolver, listFixtures, validDir } from './fixture-support';

const fixtures = listFixtures(validDir).map((name) => {
  const file = join(validDir, name, 'blueprint.yaml');
  return { name, file, text: readFileSync(file, 'utf8') };
});
const resolver = fixtureResolver();

type Path = (string | number)[];

/** Every path to a value inside a parsed document (the root excluded). */
function allPaths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      allPaths(v, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      allPaths(v, [...prefix, k], out);
    }
  }
  return out;
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> | undefined {
  let cur: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>) : undefined;
}

const scalar = fc.oneof(
  fc.integer({ min: -5, max: 70000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('SELF', 'SOURCE', 'TARGET', 'vm', 'cloudify.nodes.Root', 'all_to_one', '', '~', 'scripts/x.sh'),
);
const functionName = fc.constantFrom(
  'get_input', 'get_property', 'get_attribute', 'get_attributes_list', 'get_attributes_dict',
  'concat', 'merge', 'string_find', 'string_replace', 'string_split', 'string_lower',
  'string_upper', 'get_secret', 'get_capability', 'get_nothing',
);
const replacement: fc.Arbitrary<unknown> = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 3 }),
  fc.tuple(functionName, fc.oneof(scalar, fc.array(fc.oneof(scalar, fc.constant({ get_input: 'x' })), { maxLength: 4 }))).map(
    ([f, a]) => ({ [f]: a }),
  ),
);

const structural = fc.record({
  kind: fc.constantFrom('delete', 'duplicate', 'retype', 'rename'),
  at: fc.nat(),
  value: replacement,
  newKey: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('type', 'properties', 'target', 'node_templates', 'derived_from')),
});
const textual = fc.record({
  kind: fc.constantFrom('truncate', 'insert', 'drop-line', 'copy-line'),
  at: fc.nat(),
  junk: fc.constantFrom(':', '- ', '{', '}', '[', ']', "'", '"', '&a ', '*a', '!!int ', '|', '>', '#', '\t', '\n', '  ', '<<: *x\n', '%'),
});

type StructuralEdit = { kind: 'delete' | 'duplicate' | 'retype' | 'rename'; at: number; value: unknown; newKey: string };
type TextEdit = { kind: 'truncate' | 'insert' | 'drop-line' | 'copy-line'; at: number; junk: string };

function mutateStructure(text: string, m: StructuralEdit): string {
  const doc = parse(text, { merge: true }) as unknown;
  const paths = allPaths(doc);
  if (paths.length === 0) return text;
  const path = paths[m.at % paths.length]!;
  const parent = parentOf(doc, path);
  const key = path[path.length - 1]!;
  if (!parent) return text;
  switch (m.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.push(structuredClone(parent[Number(key)]));
      else parent[`${String(key)}_copy`] = structuredClone(parent[key]);
      break;
    case 'retype':
      parent[key] = m.value;
      break;
    case 'rename':
      if (!Array.isArray(parent) && !(m.newKey in parent)) {
        parent[m.newKey] = parent[key];
        delete parent[key];
      }
      break;
  }
  return stringify(doc);
}

function mutateText(text: string, m: TextEdit): string {
  const at = m.at % (text.length + 1);
  const lines = text.split('\n');
  const line = m.at % lines.length;
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + m.junk + text.slice(at);
    case 'drop-line':
      return lines.filter((_, i) => i !== line).join('\n');
    case 'copy-line':
      return [...lines.slice(0, line + 1), lines[line] ?? '', ...lines.slice(line + 1)].join('\n');
    default:
      return text;
  }
}

function checkResult(result: CompileResult, fixtureFile: string): void {
  expect(Array.isArray(result.problems)).toBe(true);
  const errors = hasErrors(result.problems);
  // A plan exactly when there is no error.
  expect(result.plan !== undefined).toBe(!errors);
  for (const p of result.problems) {
    // The compiler turns its own crashes into `internal-error` problems: that is still a bug.
    expect(p.code, p.message).not.toBe('internal-error');
    expect(typeof p.code).toBe('string');
    expect(typeof p.message).toBe('string');
    expect(p.file.length).toBeGreaterThan(0);
    expect(p.range.line).toBeGreaterThanOrEqual(1);
    expect(p.range.column).toBeGreaterThanOrEqual(1);
    // Problems of the mutated text are located within it.
    if (p.file === fixtureFile) expect(p.range.offset).toBeGreaterThanOrEqual(0);
  }
}

function compileText(fixture: (typeof fixtures)[number], text: string): CompileResult {
  return compile({ file: fixture.file, text, resolver, inputs: {}, instanceIdSuffix: counterSuffix() });
}

describe('the compiler on mutated blueprints', () => {
  it('never throws and answers with a plan or located problems after structural edits', () => {
    fc.assert(
      fc.property(fc.nat(), structural, (i, m) => {
        const fixture = fixtures[i % fixtures.length]!;
        const text = mutateStructure(fixture.text, m);
        checkResult(compileText(fixture, text), fixture.file);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws and answers with a plan or located problems after text damage', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(textual, { minLength: 1, maxLength: 3 }), (i, ms) => {
        const fixture = fixtures[i % fixtures.length]!;
        const text = ms.reduce(mutateText, fixture.text);
        checkResult(compileText(fixture, text), fixture.file);
      }),
      { numRuns: 200 },
    );
  });
});
