import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtinWorkflowNames, builtinWorkflowOf, coreTypesFile, corePolicyTypes } from '../../../engine/dsl/core/index';

type Section = Record<string, Record<string, unknown> & { description?: string; properties?: Record<string, { description?: string }> }>;
const core = parse(readFileSync(coreTypesFile, 'utf8')) as Record<string, Section> & { tosca_definitions_version: string };

describe('the core type library', () => {
  it('is a cloudify_dsl_1_3 document', () => {
    expect(core.tosca_definitions_version).toBe('cloudify_dsl_1_3');
  });

  it('describes every type it declares, for the palette', () => {
    for (const section of ['node_types', 'relationships', 'data_types', 'policy_types']) {
      for (const [name, def] of Object.entries(core[section]!))
        expect(def.description?.trim(), `${section}.${name}`).toBeTruthy();
    }
  });

  it('describes every property of the policy types', () => {
    for (const [name, def] of Object.entries(core.policy_types!))
      for (const [prop, schema] of Object.entries(def.properties ?? {}))
        expect(schema.description, `${name}.${prop}`).toBeTruthy();
  });

  it('maps each built-in workflow to trellis.workflows.<its name>', () => {
    const workflows = core.workflows as Record<string, { mapping: string }>;
    expect(Object.keys(workflows).sort()).toEqual([...builtinWorkflowNames].sort());
    for (const [name, wf] of Object.entries(workflows)) expect(builtinWorkflowOf(wf.mapping)).toBe(name);
  });

  it('declares the policy types the engine acts on', () => {
    expect(Object.keys(core.policy_types!).sort()).toEqual(Object.values(corePolicyTypes).sort());
  });
});

describe('builtinWorkflowOf', () => {
  it('recognises only the built-in mappings', () => {
    expect(builtinWorkflowOf('trellis.workflows.scale')).toBe('scale');
    expect(builtinWorkflowOf('trellis.workflows.nope')).toBeUndefined();
    expect(builtinWorkflowOf('ops.workflows.scale')).toBeUndefined();
  });
});
