import { Ajv } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { coreTypesFile } from '../../../engine/dsl/core/index';
import { dslSchema } from '../../../engine/dsl/schema/index';
import { demoLibraryFile, invalidDir, validDir } from './fixture-support';

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(dslSchema);

describe('the blueprint JSON schema', () => {
  it('accepts the core type library', () => {
    const ok = validate(parse(readFileSync(coreTypesFile, 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });
});

/** Every YAML file of the valid fixtures (blueprints and the files they import). */
function validFixtureFiles(): string[] {
  return readdirSync(validDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('inputs.yaml'))
    .map((f) => join(validDir, f))
    .concat(demoLibraryFile)
    .sort();
}

describe('the blueprint JSON schema accepts every valid fixture file', () => {
  for (const file of validFixtureFiles()) {
    it(file.slice(validDir.length + 1), () => {
      validate(parse(readFileSync(file, 'utf8'), { merge: true }));
      expect(validate.errors ?? []).toEqual([]);
    });
  }
});

describe('the blueprint JSON schema completes', () => {
  const core = parse(readFileSync(coreTypesFile, 'utf8')) as Record<string, Record<string, unknown>>;
  const defs = (dslSchema as { definitions: Record<string, { properties: Record<string, { anyOf?: { enum?: string[] }[] }> }> })
    .definitions;
  const suggested = (def: string, field: string) => defs[def]!.properties[field]!.anyOf![0]!.enum!;

  it('every core node type as a node template type', () => {
    expect([...suggested('nodeTemplate', 'type')].sort()).toEqual(Object.keys(core.node_types!).sort());
  });
  it('every core relationship type as a relationship type', () => {
    expect([...suggested('relationshipAssignment', 'type')].sort()).toEqual(Object.keys(core.relationships!).sort());
  });
  it('every core policy type as a policy type', () => {
    expect([...suggested('policy', 'type')].sort()).toEqual(Object.keys(core.policy_types!).sort());
  });
});

describe('the blueprint JSON schema rejects', () => {
  for (const name of ['unknown-section', 'unknown-field']) {
    it(`the ${name} fixture, so the editor marks it too`, () => {
      expect(validate(parse(readFileSync(join(invalidDir, name, 'blueprint.yaml'), 'utf8')))).toBe(false);
    });
  }
  it('an unknown top-level section', () => {
    expect(validate({ tosca_definitions_version: 'cloudify_dsl_1_3', node_templatez: {} })).toBe(false);
  });
  it('a node template without a type', () => {
    const doc = { tosca_definitions_version: 'cloudify_dsl_1_4', node_templates: { vm: { properties: {} } } };
    expect(validate(doc)).toBe(false);
  });
  it('a constraint with two operators', () => {
    const doc = { inputs: { n: { type: 'integer', constraints: [{ greater_than: 1, less_than: 5 }] } } };
    expect(validate(doc)).toBe(false);
  });
  it('an operation with an unknown executor', () => {
    const doc = {
      node_templates: {
        app: { type: 'cloudify.nodes.Root', interfaces: { 'cloudify.interfaces.lifecycle': { create: { implementation: 'x.sh', executor: 'somewhere' } } } },
      },
    };
    expect(validate(doc)).toBe(false);
  });
});
