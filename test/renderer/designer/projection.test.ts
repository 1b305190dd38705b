import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { templateAtOffset } from '../../../renderer/designer/model';
import { createProjector, projectWhole } from '../../../renderer/designer/projection';

const base = readFileSync(join(import.meta.dirname, 'golden', 'base.yaml'), 'utf8');

describe('projection of a blueprint text into the designer model', () => {
  it('lists templates in order with type, properties, relationships, instances and spans', () => {
    const result = createProjector()(base);
    if (!result.ok) throw new Error('expected a model');
    const { templates, groups, inputs, outputs, imports, dslVersion } = result.model;
    expect(templates.map((t) => [t.name, t.type])).toEqual([
      ['vm', 'cloudify.nodes.Compute'],
      ['app', 'cloudify.nodes.WebServer'],
      ['db', 'cloudify.nodes.DBMS'],
    ]);
    const app = templates[1]!;
    expect(app.relationships.map((r) => [r.type, r.target, r.index])).toEqual([
      ['cloudify.relationships.contained_in', 'vm', 0],
      ['cloudify.relationships.connected_to', 'db', 1],
    ]);
    expect(app.properties).toEqual({ port: 8080 });
    expect(app.interfaces).toEqual({ 'cloudify.interfaces.lifecycle': { create: 'scripts/install.sh' } });
    expect(app.instances).toBe(1);
    expect(base.slice(app.keySpan.start, app.keySpan.end)).toBe('app');
    expect(base.slice(app.span.start, app.span.end)).toMatch(/^app:\n[\s\S]*target: db\s*$/);
    expect(base.slice(app.relationships[1]!.span.start, app.relationships[1]!.span.end)).toMatch(/^type: cloudify.relationships.connected_to\n\s+target: db/);
    expect(groups).toEqual({ web: ['vm', 'app'] });
    expect(inputs).toEqual(['image']);
    expect(outputs).toEqual(['endpoint']);
    expect(imports).toEqual(['cloudify/types/types.yaml']);
    expect(dslVersion).toBe('cloudify_dsl_1_5');
  });

  it('the incremental path agrees with a whole-document parse, anchors resolved', () => {
    const whole = projectWhole(base);
    expect(createProjector()(base)).toEqual(whole);
    if (!whole.ok) throw new Error('expected a model');
    expect(whole.model.templates[0]!.properties).toEqual({ ip: '10.0.0.5', agent_config: { install_method: 'none' } });
    const noAnchors = base.replace('&agent', '').replace('*agent', '{}');
    expect(createProjector()(noAnchors)).toEqual(projectWhole(noAnchors));
  });

  it('re-projecting after a keystroke reuses every untouched template', () => {
    const project = createProjector();
    const text = base.replace('&agent', '').replace('*agent', '{}');
    const first = project(text);
    const typed = text.replace('port: 8080', 'port: 80801');
    const second = project(typed);
    if (!first.ok || !second.ok) throw new Error('expected models');
    expect(second.model.templates[0]).toBe(first.model.templates[0]);
    expect(second.model.templates[1]!.properties).toEqual({ port: 80801 });
    expect(second.model.templates[2]!.span.start).toBe(first.model.templates[2]!.span.start + 1);
    expect(second).toEqual(projectWhole(typed));
  });

  it('reports a syntax error at its place in the whole text', () => {
    const broken = base.replace('&agent', '').replace('*agent', '{}').replace('port: 8080', 'port: [8080');
    const result = createProjector()(broken);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const at = broken.indexOf('[8080');
    expect(result.errors[0]!.span.start).toBeGreaterThanOrEqual(at);
    expect(result.errors[0]!.span.start).toBeLessThan(broken.indexOf('groups:'));
  });

  it('finds the template under the cursor', () => {
    const result = projectWhole(base);
    if (!result.ok) throw new Error('expected a model');
    expect(templateAtOffset(result.model, base.indexOf('scripts/install.sh'))?.name).toBe('app');
    expect(templateAtOffset(result.model, base.indexOf('DBMS'))?.name).toBe('db');
    expect(templateAtOffset(result.model, base.indexOf('groups:'))).toBeUndefined();
  });

  it('counts instances from scalable capabilities and the legacy instances.deploy', () => {
    const text = 'node_templates:\n  a:\n    type: t\n    capabilities:\n      scalable:\n        properties:\n          default_instances: 3\n  b:\n    type: t\n    instances:\n      deploy: 2\n';
    const result = createProjector()(text);
    if (!result.ok) throw new Error('expected a model');
    expect(result.model.templates.map((t) => t.instances)).toEqual([3, 2]);
  });
});
