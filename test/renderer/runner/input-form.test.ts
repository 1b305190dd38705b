import { describe, expect, it } from 'vitest';
import {
  deploymentIdError,
  inputFields,
  parseInput,
  validateInputs,
  type PlanInput,
} from '../../../renderer/runner/input-form';

const inputs: Record<string, PlanInput> = {
  port: {
    name: 'port',
    type: 'integer',
    required: true,
    default: 0,
    constraints: [{ operator: 'in_range', value: [0, 65535] }],
  },
  flavor: {
    name: 'flavor',
    type: 'string',
    required: true,
    constraints: [{ operator: 'valid_values', value: ['small', 'large'] }],
  },
  ratio: { name: 'ratio', type: 'float', required: false },
  debug: { name: 'debug', type: 'boolean', required: false, default: false },
  tags: { name: 'tags', type: 'list', required: false },
  name: {
    name: 'name',
    type: 'string',
    required: false,
    constraints: [
      { operator: 'pattern', value: '[a-z]+' },
      { operator: 'max_length', value: 5 },
    ],
  },
};

describe('the deployment inputs form', () => {
  it('makes a field per input with type, default text, required-ness and choices', () => {
    const fields = inputFields(inputs);
    expect(fields.map((f) => f.name)).toEqual(['port', 'flavor', 'ratio', 'debug', 'tags', 'name']);
    expect(fields[0]).toMatchObject({ type: 'integer', required: false, defaultText: '0' });
    expect(fields[1]).toMatchObject({ required: true, choices: ['small', 'large'] });
    expect(fields[3]).toMatchObject({ defaultText: 'false' });
  });

  it('parses typed text by input type', () => {
    expect(parseInput('integer', ' 42 ')).toEqual({ value: 42 });
    expect(parseInput('integer', '4.2')).toEqual({ error: 'a whole number' });
    expect(parseInput('float', '4.5')).toEqual({ value: 4.5 });
    expect(parseInput('boolean', 'yes')).toEqual({ error: 'true or false' });
    expect(parseInput('list', '[1,2]')).toEqual({ value: [1, 2] });
    expect(parseInput('dict', '[1]')).toEqual({ error: 'a JSON object' });
    expect(parseInput('string', ' a ')).toEqual({ value: ' a ' });
  });

  it('reports each wrong field as the user types and keeps defaults for empty ones', () => {
    const empty = validateInputs(inputs, {});
    expect(empty.errors).toEqual({ flavor: 'required' });
    const bad = validateInputs(inputs, {
      port: '70000',
      flavor: 'medium',
      ratio: 'x',
      tags: '{}',
      name: 'ABC',
    });
    expect(bad.errors).toEqual({
      port: 'must be between 0 and 65535',
      flavor: 'must be one of small, large',
      ratio: 'must be a number',
      tags: 'must be a JSON list',
      name: 'must be matching [a-z]+',
    });
    const good = validateInputs(inputs, {
      port: '8080',
      flavor: 'small',
      debug: 'true',
      name: 'abc',
    });
    expect(good.errors).toEqual({});
    expect(good.values).toEqual({ port: 8080, flavor: 'small', debug: true, name: 'abc' });
    expect(validateInputs(inputs, { flavor: 'small', name: 'abcdef' }).errors).toEqual({
      name: 'must be at most 5 long',
    });
  });

  it('checks deployment ids: required, allowed characters, not taken', () => {
    expect(deploymentIdError('', [])).toBe('required');
    expect(deploymentIdError('my app', [])).toBe('letters, digits, - _ . only');
    expect(deploymentIdError('shop', ['shop'])).toBe('already exists');
    expect(deploymentIdError('shop-2', ['shop'])).toBeUndefined();
  });
});
