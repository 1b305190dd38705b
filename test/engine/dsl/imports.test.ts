import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../engine/dsl/index';
import { createImportResolver } from '../../../engine/dsl/resolver';
import { coreTypesFile } from '../../../engine/dsl/core/index';
import { HEAD, MAIN, compileText, located } from './dsl-test-kit';

describe('imports phase', () => {
  it('imports relative files against the importing file, nested, each file once', () => {
    const r = compileText(`${HEAD}  - types/app.yaml\n  - types/common.yaml\nnode_templates:\n  a:\n    type: my.App\n`, {
      files: {
        '/bp/types/app.yaml': 'imports:\n  - common.yaml\nnode_types:\n  my.App:\n    derived_from: my.Base\n',
        '/bp/types/common.yaml': 'node_types:\n  my.Base:\n    derived_from: cloudify.nodes.Root\n',
      },
    });
    expect(r.problems).toEqual([]);
    expect(r.plan!.files).toEqual([MAIN, '/lib/core/types.yaml', '/bp/types/app.yaml', '/bp/types/common.yaml']);
    expect(r.plan!.nodes[0]!.typeHierarchy).toEqual(['my.App', 'my.Base', 'cloudify.nodes.Root']);
  });

  it('reports an import cycle instead of looping', () => {
    const r = compileText(`${HEAD}  - a.yaml\nnode_templates: {}\n`, {
      files: { '/bp/a.yaml': 'imports:\n  - b.yaml\n', '/bp/b.yaml': 'imports:\n  - a.yaml\n' },
    });
    expect(located(r.problems)).toEqual(['import-cycle@2:5 imports[0]']);
    expect(r.problems[0]!.file).toBe('/bp/b.yaml');
  });

  it('reports a type defined differently in two files, and accepts an identical one', () => {
    const files = {
      '/bp/one.yaml': 'node_types:\n  my.T:\n    derived_from: cloudify.nodes.Root\n',
      '/bp/same.yaml': 'node_types:\n  my.T:\n    derived_from: cloudify.nodes.Root\n',
      '/bp/other.yaml': 'node_types:\n  my.T:\n    derived_from: cloudify.nodes.Compute\n',
    };
    expect(compileText(`${HEAD}  - one.yaml\n  - same.yaml\n`, { files }).problems).toEqual([]);
    const r = compileText(`${HEAD}  - one.yaml\n  - other.yaml\n`, { files });
    expect(located(r.problems)).toEqual(['import-conflict@2:3 node_types.my.T']);
    expect(r.problems[0]!.file).toBe('/bp/other.yaml');
  });

  it('reports an unresolvable import by name, listing the plugins Trellis has', () => {
    const r = compileText(`${HEAD}  - https://example.org/unknown/plugin.yaml\n  - missing.yaml\n`);
    expect(located(r.problems)).toEqual(['unresolved-import@4:5 imports[1]', 'unresolved-import@5:5 imports[2]']);
    expect(r.problems[0]!.message).toContain('https://example.org/unknown/plugin.yaml');
    expect(r.problems[0]!.message).toContain('demo');
    expect(r.problems[1]!.message).toContain('/bp/missing.yaml');
  });

  it('imports a plugin library by plugin: name and uses its types and plugin', () => {
    const r = compileText(`${HEAD}  - plugin:demo\nnode_templates:\n  t:\n    type: demo.nodes.Thing\n`);
    expect(r.problems).toEqual([]);
    const create = r.plan!.nodes[0]!.operations['cloudify.interfaces.lifecycle.create']!;
    expect(create).toMatchObject({ kind: 'plugin', plugin: 'demo', operation: 'things.create', inputs: { flavor: 'small' } });
    expect(r.plan!.plugins.demo).toMatchObject({ packageName: 'trellis-demo-plugin', executor: 'central_deployment_agent' });
  });
});

describe('compile from disk', () => {
  it('reads the main file and its relative imports from the file system by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-dsl-'));
    try {
      mkdirSync(join(dir, 'types'));
      writeFileSync(join(dir, 'types', 'mine.yaml'), 'node_types:\n  my.Vm:\n    derived_from: cloudify.nodes.Compute\n');
      writeFileSync(join(dir, 'blueprint.yaml'), `${HEAD}  - types/mine.yaml\nnode_templates:\n  vm:\n    type: my.Vm\n`);
      const r = compile({ file: join(dir, 'blueprint.yaml'), resolver: createImportResolver({ coreTypesFile, libraries: [] }), inputs: {} });
      expect(r.problems).toEqual([]);
      expect(r.plan!.files).toEqual([join(dir, 'blueprint.yaml'), coreTypesFile, join(dir, 'types', 'mine.yaml')]);
      expect(r.plan!.nodes[0]!.typeHierarchy.slice(0, 2)).toEqual(['my.Vm', 'cloudify.nodes.Compute']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
