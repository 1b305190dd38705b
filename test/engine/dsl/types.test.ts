import { describe, expect, it } from 'vitest';
import { satisfies } from '../../../engine/dsl/types';
import type { Constraint } from '../../../engine/dsl/plan-model';
import { HEAD, compileText, errorsOf, located } from './dsl-test-kit';

describe('types phase: inheritance', () => {
  it('merges derived property schemas field by field over the parent', () => {
    const r = compileText(`${HEAD}node_types:
  my.Web:
    derived_from: cloudify.nodes.WebServer
    properties:
      port: { default: 8080 }
node_templates:
  w:
    type: my.Web
`);
    expect(r.problems).toEqual([]);
    expect(r.plan!.nodes[0]!.properties).toEqual({ port: 8080 });
    expect(r.plan!.nodes[0]!.typeHierarchy).toEqual(['my.Web', 'cloudify.nodes.WebServer', 'cloudify.nodes.SoftwareComponent', 'cloudify.nodes.Root']);
    // The inherited type and constraint still apply.
    const bad = compileText(`${HEAD}node_types:\n  my.Web:\n    derived_from: cloudify.nodes.WebServer\n    properties:\n      port: { default: 8080 }\nnode_templates:\n  w:\n    type: my.Web\n    properties:\n      port: 70000\n`);
    expect(located(bad.problems)).toEqual(['constraint-violation@13:13 node_templates.w.properties.port']);
  });

  it('lets a template operation without implementation keep the type implementation and merge inputs', () => {
    const r = compileText(`${HEAD}node_types:
  my.App:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/create.sh
          inputs:
            a: { default: 1 }
            b: { default: 2 }
          max_retries: 3
node_templates:
  app:
    type: my.App
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          inputs:
            b: 20
            c: 30
`);
    expect(r.problems).toEqual([]);
    const create = r.plan!.nodes[0]!.operations['cloudify.interfaces.lifecycle.create']!;
    expect(create).toMatchObject({ kind: 'script', implementation: 'scripts/create.sh', scriptPath: '/bp/scripts/create.sh', maxRetries: 3 });
    expect(create.inputs).toEqual({ a: 1, b: 20, c: 30 });
  });

  it('replaces the inputs when a template operation overrides the implementation', () => {
    const r = compileText(`${HEAD}node_types:
  my.App:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/create.sh
          inputs:
            a: { default: 1 }
node_templates:
  app:
    type: my.App
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/other.sh
          inputs:
            z: 26
        start: scripts/start.sh
`);
    expect(r.problems).toEqual([]);
    const ops = r.plan!.nodes[0]!.operations;
    expect(ops['cloudify.interfaces.lifecycle.create']).toMatchObject({ implementation: 'scripts/other.sh', inputs: { z: 26 } });
    expect(ops['cloudify.interfaces.lifecycle.start']).toMatchObject({ kind: 'script', implementation: 'scripts/start.sh', inputs: {} });
    expect(ops['cloudify.interfaces.lifecycle.stop']).toMatchObject({ kind: 'none' });
  });

  it('reports an inheritance cycle and an unknown parent at derived_from', () => {
    const r = compileText(`${HEAD}node_types:
  a.T:
    derived_from: b.T
  b.T:
    derived_from: a.T
  c.T:
    derived_from: cloudify.nodes.Rot
`);
    expect(located(r.problems)).toEqual([
      'inheritance-cycle@8:19 node_types.b.T.derived_from',
      'unknown-type@10:19 node_types.c.T.derived_from',
    ]);
    expect(r.problems[1]!.message).toContain('did you mean "cloudify.nodes.Root"');
  });
});

describe('types phase: data types and values', () => {
  const dataTypes = `data_types:
  my.Inner:
    properties:
      depth: { type: integer, default: 3 }
  my.Outer:
    properties:
      name: { type: string }
      inner: { type: my.Inner, default: {} }
      tags: { type: list, item_type: string, required: false }
node_types:
  my.N:
    derived_from: cloudify.nodes.Root
    properties:
      cfg: { type: my.Outer }
`;

  it('checks nested data types: defaults filled, unknown and missing fields located', () => {
    const ok = compileText(`${HEAD}${dataTypes}node_templates:\n  n:\n    type: my.N\n    properties:\n      cfg: { name: x, inner: {} }\n`);
    expect(ok.problems).toEqual([]);
    expect(ok.plan!.nodes[0]!.properties.cfg).toEqual({ name: 'x', inner: { depth: 3 } });

    const bad = compileText(`${HEAD}${dataTypes}node_templates:
  n:
    type: my.N
    properties:
      cfg:
        inner: { depth: deep }
        tags: [a, [b]]
        colour: red
`);
    expect(located(bad.problems)).toEqual([
      'missing-required-property@22:7 node_templates.n.properties.cfg',
      'wrong-value-type@23:25 node_templates.n.properties.cfg.inner.depth',
      'wrong-value-type@24:19 node_templates.n.properties.cfg.tags[1]',
      'unknown-property@25:9 node_templates.n.properties.cfg.colour',
    ]);
  });

  it.each([
    ['integer', '1.5', 'an integer'],
    ['float', 'abc', 'a number'],
    ['boolean', '"true"', 'a boolean'],
    ['list', '{a: 1}', 'a list'],
    ['dict', '[1]', 'a dict'],
    ['regex', '"(unclosed"', 'regular expression'],
    ['node_id', 'nowhere', 'not a node template'],
  ])('reports a %s property given %s', (type, value, message) => {
    const r = compileText(`${HEAD}node_types:
  my.T:
    derived_from: cloudify.nodes.Root
    properties:
      p: { type: ${type} }
node_templates:
  n:
    type: my.T
    properties:
      p: ${value}
`);
    expect(located(r.problems)).toEqual(['wrong-value-type@13:10 node_templates.n.properties.p']);
    expect(r.problems[0]!.message).toContain(message);
  });

  it('accepts values of the right simple types, and numbers for strings as Cloudify does', () => {
    const r = compileText(`${HEAD}node_types:
  my.T:
    derived_from: cloudify.nodes.Root
    properties:
      s: { type: string }
      i: { type: integer }
      f: { type: float }
      b: { type: boolean }
      r: { type: regex }
      n: { type: node_id }
node_templates:
  n:
    type: my.T
    properties: { s: 5, i: 3, f: 2, b: false, r: '^a+$', n: n }
`);
    expect(r.problems).toEqual([]);
  });

  it('reports an unknown constraint operator and a bad constraint argument', () => {
    const r = compileText(`${HEAD}inputs:
  a:
    default: 1
    constraints:
      - at_most: 3
      - in_range: [5, 1]
`);
    expect(located(r.problems)).toEqual([
      'invalid-constraint@8:9 inputs.a.constraints[0].at_most',
      'invalid-constraint@9:19 inputs.a.constraints[1].in_range',
    ]);
  });

  it('checks constraints on inputs, including given values', () => {
    const text = `${HEAD}inputs:\n  size:\n    type: integer\n    constraints:\n      - valid_values: [1, 2, 4]\n`;
    expect(compileText(text, { inputs: { size: 2 } }).problems).toEqual([]);
    const r = compileText(text, { inputs: { size: 3 } });
    // A given value has no place in the file: the problem marks the input's declaration.
    expect(located(errorsOf(r))).toEqual(['constraint-violation@6:5 inputs.size']);
  });
});

describe('constraint operators', () => {
  const cases: [Constraint, unknown, boolean][] = [
    [{ operator: 'equal', value: { a: 1 } }, { a: 1 }, true],
    [{ operator: 'equal', value: 2 }, 3, false],
    [{ operator: 'greater_than', value: 2 }, 3, true],
    [{ operator: 'greater_than', value: 3 }, 3, false],
    [{ operator: 'greater_or_equal', value: 3 }, 3, true],
    [{ operator: 'less_than', value: 3 }, 3, false],
    [{ operator: 'less_or_equal', value: 3 }, 3, true],
    [{ operator: 'less_than', value: 3 }, 'x', false],
    [{ operator: 'in_range', value: [1, 5] }, 5, true],
    [{ operator: 'in_range', value: [1, 5] }, 0, false],
    [{ operator: 'valid_values', value: ['a', 'b'] }, 'b', true],
    [{ operator: 'valid_values', value: ['a', 'b'] }, 'c', false],
    [{ operator: 'length', value: 2 }, [1, 2], true],
    [{ operator: 'length', value: 2 }, 'abc', false],
    [{ operator: 'min_length', value: 2 }, { a: 1 }, false],
    [{ operator: 'max_length', value: 2 }, 'ab', true],
    [{ operator: 'pattern', value: '[a-z]+' }, 'abc', true],
    [{ operator: 'pattern', value: '[a-z]+' }, 'abc1', false],
  ];
  it.each(cases)('%j on %j is %s', (c, value, expected) => {
    expect(satisfies(value, c)).toBe(expected);
  });
});
