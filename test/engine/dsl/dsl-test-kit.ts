/**
 * Small helpers for the compiler's unit tests: an in-memory file system, a core-like type
 * library written here (so the phase tests do not depend on the shipped core's details),
 * and a compile call that returns problems in an easy-to-assert shape.
 */
import { compile } from '../../../engine/dsl/index';
import type { CompileResult } from '../../../engine/dsl/index';
import { createImportResolver } from '../../../engine/dsl/resolver';
import type { ImportResolver } from '../../../engine/dsl/resolver';
import type { Value } from '../../../engine/dsl/plan-model';
import type { Problem } from '../../../engine/dsl/problem';

export const CORE_FILE = '/lib/core/types.yaml';
export const DEMO_PLUGIN_FILE = '/lib/demo/plugin.yaml';
export const MAIN = '/bp/blueprint.yaml';

export const MINI_CORE = `
tosca_definitions_version: cloudify_dsl_1_3
plugins:
  script:
    executor: host_agent
    install: false
node_types:
  cloudify.nodes.Root:
    interfaces:
      cloudify.interfaces.lifecycle:
        create: {}
        configure: {}
        start: {}
        stop: {}
        delete: {}
  cloudify.nodes.Compute:
    derived_from: cloudify.nodes.Root
    properties:
      ip: { type: string, default: '' }
  cloudify.nodes.SoftwareComponent:
    derived_from: cloudify.nodes.Root
  cloudify.nodes.WebServer:
    derived_from: cloudify.nodes.SoftwareComponent
    properties:
      port:
        type: integer
        default: 80
        constraints:
          - in_range: [1, 65535]
relationships:
  cloudify.relationships.depends_on:
    properties:
      connection_type: { default: all_to_all }
    source_interfaces:
      cloudify.interfaces.relationship_lifecycle: { preconfigure: {}, postconfigure: {}, establish: {}, unlink: {} }
    target_interfaces:
      cloudify.interfaces.relationship_lifecycle: { preconfigure: {}, postconfigure: {}, establish: {}, unlink: {} }
  cloudify.relationships.connected_to:
    derived_from: cloudify.relationships.depends_on
  cloudify.relationships.contained_in:
    derived_from: cloudify.relationships.depends_on
policy_types:
  cloudify.policies.scaling:
    properties:
      default_instances: { type: integer, default: 1 }
      min_instances: { type: integer, default: 0 }
      max_instances: { type: integer, default: -1 }
`;

export const DEMO_PLUGIN = `
plugins:
  demo:
    executor: central_deployment_agent
    package_name: trellis-demo-plugin
node_types:
  demo.nodes.Thing:
    derived_from: cloudify.nodes.Root
    description: A demo thing
    properties:
      size: { type: integer, default: 1 }
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: demo.things.create
          inputs:
            flavor: { default: small }
`;

/** Prefix for a blueprint: version line and the core import. */
export const HEAD = `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
`;

export function testResolver(): ImportResolver {
  return createImportResolver({
    coreTypesFile: CORE_FILE,
    libraries: [
      {
        file: DEMO_PLUGIN_FILE,
        plugin: 'demo',
        pluginImportNames: ['demo', 'trellis-demo-plugin'],
        importStrings: ['https://example.org/demo/plugin.yaml'],
        importPatterns: [/^https:\/\/github\.com\/demo\/releases\/[^/]+\/plugin\.yaml$/],
      },
    ],
  });
}

export interface TestCompileOptions {
  files?: Record<string, string>;
  inputs?: Record<string, Value>;
  validateOnly?: boolean;
}

/** Counter-based suffixes: 000001, 000002, ... */
export function counter(): () => string {
  let n = 0;
  return () => (++n).toString(36).padStart(6, '0');
}

/** Compiles `text` as /bp/blueprint.yaml with the mini core and demo plugin available. */
export function compileText(text: string, options: TestCompileOptions = {}): CompileResult {
  const files: Record<string, string> = { [CORE_FILE]: MINI_CORE, [DEMO_PLUGIN_FILE]: DEMO_PLUGIN, ...(options.files ?? {}) };
  return compile({
    file: MAIN,
    text,
    resolver: testResolver(),
    readFile: (p) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT: ${p}`);
      return t;
    },
    instanceIdSuffix: counter(),
    inputs: options.inputs ?? {},
    ...(options.validateOnly ? { validateOnly: true } : {}),
  });
}

/** `code@line:col path` strings, for compact assertions. */
export function located(problems: readonly Problem[]): string[] {
  return problems.map((p) => `${p.code}@${p.range.line}:${p.range.column} ${p.path}`);
}

export function codes(problems: readonly Problem[]): string[] {
  return problems.map((p) => p.code);
}

export function errorsOf(result: CompileResult): Problem[] {
  return result.problems.filter((p) => p.severity === 'error');
}
