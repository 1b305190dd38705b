import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createProjector, projectWhole } from '../../../renderer/designer/projection';
import { applyEdits } from '../../../renderer/designer/yaml-edit/apply-edits';
import type { EditOp } from '../../../renderer/designer/yaml-edit/edit-ops';

/** What the test expects the document to contain, kept beside it by simple rules. */
interface ExpectedTemplate {
  /** Stable id (names change): the comment `# note-<id>` lives on its type line. */
  id: number;
  name: string;
  type: string;
  properties: Record<string, unknown>;
  relationships: { type: string; target: string }[];
  instances: number;
}

const contained = 'cloudify.relationships.contained_in';
const relTypes = ['cloudify.relationships.connected_to', 'cloudify.relationships.depends_on'];

const start = `# header comment
tosca_definitions_version: cloudify_dsl_1_5   # version comment

inputs:
  size:   # input comment
    default: 1

node_templates:
  # leading comment
  n0:
    type: t.Compute   # note-0
    properties:
      a: 1

  n1:
    type: t.App   # note-1
    relationships:
      - type: ${contained}
        target: n0

# trailing comment
outputs:
  out:
    value: { get_attribute: [n1, x] }
`;

const initial = (): ExpectedTemplate[] => [
  { id: 0, name: 'n0', type: 't.Compute', properties: { a: 1 }, relationships: [], instances: 1 },
  { id: 1, name: 'n1', type: 't.App', properties: {}, relationships: [{ type: contained, target: 'n0' }], instances: 1 },
];

/** A random intent, interpreted against the current state (indices are taken modulo sizes). */
const intent = fc.record({
  kind: fc.constantFrom('add', 'addHosted', 'remove', 'rename', 'set', 'setInput', 'unset', 'relate', 'unrelate', 'host', 'unhost', 'scale'),
  i: fc.nat(50),
  j: fc.nat(50),
  value: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.string({ maxLength: 12 }), fc.constantFrom('yes', '1.5', 'null', '#x', 'a: b', '- z')),
  key: fc.constantFrom('a', 'b', 'port', 'name'),
});
type Intent = typeof intent extends fc.Arbitrary<infer T> ? T : never;

/** Turns an intent into an op and updates the expectation; undefined when it does not apply. */
function interpret(state: ExpectedTemplate[], x: Intent, counter: { next: number }): EditOp | undefined {
  const pick = (n: number): ExpectedTemplate | undefined => state[n % Math.max(1, state.length)];
  const a = pick(x.i);
  const b = pick(x.j);
  switch (x.kind) {
    case 'add':
    case 'addHosted': {
      const id = counter.next++;
      const name = `m${id}`;
      const host = x.kind === 'addHosted' ? a : undefined;
      state.push({ id, name, type: 't.Node', properties: { p: 1 }, relationships: host ? [{ type: contained, target: host.name }] : [], instances: 1 });
      return { kind: 'addNode', name, type: 't.Node', properties: { p: 1 }, ...(host ? { host: { name: host.name, relationshipType: contained } } : {}) };
    }
    case 'remove': {
      if (!a) return undefined;
      state.splice(state.indexOf(a), 1);
      for (const t of state) t.relationships = t.relationships.filter((r) => r.target !== a.name);
      return { kind: 'removeNode', name: a.name };
    }
    case 'rename': {
      if (!a) return undefined;
      const to = `r${counter.next++}`;
      for (const t of state) for (const r of t.relationships) if (r.target === a.name) r.target = to;
      const from = a.name;
      a.name = to;
      return { kind: 'renameNode', from, to };
    }
    case 'set':
      if (!a) return undefined;
      a.properties[x.key] = x.value;
      return { kind: 'setProperty', node: a.name, property: x.key, value: { mode: 'plain', value: x.value } };
    case 'setInput':
      if (!a) return undefined;
      a.properties[x.key] = { get_input: 'size' };
      return { kind: 'setProperty', node: a.name, property: x.key, value: { mode: 'input', input: 'size' } };
    case 'unset':
      if (!a) return undefined;
      delete a.properties[x.key];
      return { kind: 'removeProperty', node: a.name, property: x.key };
    case 'relate': {
      if (!a || !b) return undefined;
      const type = relTypes[x.i % 2]!;
      a.relationships.push({ type, target: b.name });
      return { kind: 'addRelationship', source: a.name, type, target: b.name };
    }
    case 'unrelate': {
      if (!a || a.relationships.length === 0) return undefined;
      const index = x.j % a.relationships.length;
      a.relationships.splice(index, 1);
      return { kind: 'removeRelationship', source: a.name, index };
    }
    case 'host': {
      if (!a || !b || a === b) return undefined;
      const existing = a.relationships.filter((r) => r.type === contained);
      if (existing[0]) {
        existing[0].target = b.name;
        a.relationships = a.relationships.filter((r) => r.type !== contained || r === existing[0]);
      } else a.relationships.push({ type: contained, target: b.name });
      return { kind: 'moveIntoHost', node: a.name, host: b.name };
    }
    case 'unhost':
      if (!a) return undefined;
      a.relationships = a.relationships.filter((r) => r.type !== contained);
      return { kind: 'moveIntoHost', node: a.name, host: null };
    case 'scale':
      if (!a) return undefined;
      a.instances = (x.j % 5) + 1;
      return { kind: 'setInstances', node: a.name, count: a.instances };
  }
}

const commentsOf = (text: string): string[] =>
  parseDocument(text)
    .toString()
    .split('\n')
    .flatMap((l) => [...l.matchAll(/#\s?([a-z]+(?:-\d+)? comment|note-\d+)/g)].map((m) => m[1]!));

describe('random sequences of graph edits', () => {
  it('keep the YAML valid, the projection equal to the expected model, every comment, whichever edit path runs', () => {
    fc.assert(
      fc.property(fc.array(intent, { minLength: 1, maxLength: 25 }), (intents) => {
        const state = initial();
        const counter = { next: 2 };
        const project = createProjector();
        let text = start;
        for (const x of intents) {
          const op = interpret(state, x, counter);
          if (!op) continue;
          const next = applyEdits(text, [op]).text;
          // The one-template fast path writes exactly what editing the whole document writes.
          expect(next).toBe(applyEdits(text, [op], { wholeDocument: true }).text);
          text = next;
          expect(parseDocument(text).errors).toEqual([]);
          const projected = project(text);
          expect(projected).toEqual(projectWhole(text));
          if (!projected.ok) throw new Error('edit produced invalid YAML');
          const got = projected.model.templates.map((t) => ({
            name: t.name,
            type: t.type,
            properties: t.properties,
            relationships: t.relationships.map((r) => ({ type: r.type, target: r.target })),
            instances: t.instances,
          }));
          expect(got).toEqual(state.map(({ id: _id, ...rest }) => rest));
        }
        const comments = commentsOf(text);
        for (const c of ['header comment', 'version comment', 'input comment', 'trailing comment', 'leading comment']) expect(comments).toContain(c);
        for (const t of state) if (t.id < 2) expect(comments).toContain(`note-${t.id}`);
        expect(text).not.toContain('  \n');
      }),
      { numRuns: 300 },
    );
  });
});
