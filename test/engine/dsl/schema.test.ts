import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { coreTypesFile } from '../../../engine/dsl/core/index';
import { dslSchema } from '../../../engine/dsl/schema/index';

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(dslSchema);

describe('the blueprint JSON schema', () => {
  it('accepts the core type library', () => {
    const ok = validate(parse(readFileSync(coreTypesFile, 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });
});

describe('the blueprint JSON schema rejects', () => {
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
