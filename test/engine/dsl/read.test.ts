import { describe, expect, it } from 'vitest';
import { locate, readSource, Reporter } from '../../../engine/dsl/read';
import { HEAD, compileText, located } from './dsl-test-kit';

describe('read phase', () => {
  it('reports a YAML syntax error with its line and column and stops there', () => {
    const r = compileText(`${HEAD}node_templates:\n  vm:\n    type: [unclosed\n`);
    expect(r.plan).toBeUndefined();
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.every((p) => p.code === 'yaml-syntax')).toBe(true);
    expect(r.problems[0]!.range.line).toBeGreaterThanOrEqual(6);
  });

  it('reports a duplicate key at its second occurrence', () => {
    const r = compileText(`${HEAD}node_templates:\n  vm:\n    type: cloudify.nodes.Compute\n  vm:\n    type: cloudify.nodes.Compute\n`);
    expect(located(r.problems)).toEqual(['duplicate-key@7:3 node_templates.vm']);
  });

  it('resolves dsl_definitions anchors, aliases and merge keys', () => {
    const r = compileText(`${HEAD}dsl_definitions:
  common: &common
    ip: 10.0.0.1
node_templates:
  vm:
    type: cloudify.nodes.Compute
    properties: *common
  web:
    type: cloudify.nodes.WebServer
    properties:
      <<: { port: 81 }
      port: 8080
`);
    expect(r.problems).toEqual([]);
    const nodes = Object.fromEntries(r.plan!.nodes.map((n) => [n.name, n.properties]));
    expect(nodes.vm).toEqual({ ip: '10.0.0.1' });
    expect(nodes.web).toEqual({ port: 8080 });
  });

  it('records a location for every key and value by document path', () => {
    const reporter = new Reporter();
    const doc = readSource('/x.yaml', 'a:\n  b:\n    - c: 1\n    - d\n', 'blueprint', reporter);
    expect(reporter.problems).toEqual([]);
    expect(locate(doc, 'a.b[0].c', 'key')).toMatchObject({ line: 3, column: 7 });
    expect(locate(doc, 'a.b[0].c')).toMatchObject({ line: 3, column: 10 });
    expect(locate(doc, 'a.b[1]')).toMatchObject({ line: 4, column: 7 });
    // A path that does not exist points at its nearest existing ancestor's key.
    expect(locate(doc, 'a.b[0].missing')).toMatchObject({ line: 3, column: 7 });
  });

  it('reads YAML 1.1 booleans the way PyYAML-based Cloudify does', () => {
    const doc = readSource('/x.yaml', 'a: yes\nb: off\nc: "yes"\nn: y\n', 'blueprint', new Reporter());
    expect(doc.value).toEqual({ a: true, b: false, c: 'yes', n: 'y' });
  });
});
