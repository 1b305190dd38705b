/**
 * Property values in the inspector: which value mode a YAML value is in, how a typed-in
 * text becomes a value for a property's type, and the constraint check that runs as the
 * user types (the compiler remains the authority; this is early feedback).
 */
import type { PropertySchema } from '../../engine/host/contract';
import type { PlainValue, PropertyValue, ValueMode } from './yaml-edit/edit-ops';

/** Reads the value mode of an existing property value. */
export function modeOf(value: unknown): PropertyValue {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      const list = Array.isArray(arg) ? arg.map(String) : [];
      if (fn === 'get_input' && typeof arg === 'string') return { mode: 'input', input: arg };
      if (fn === 'get_secret' && typeof arg === 'string') return { mode: 'secret', secret: arg };
      if (fn === 'get_property' && list.length >= 1) return { mode: 'property', node: list[0]!, path: list.slice(1) };
      if (fn === 'get_attribute' && list.length >= 1) return { mode: 'attribute', node: list[0]!, path: list.slice(1) };
      if (fn === 'get_capability' && list.length >= 2) return { mode: 'capability', deployment: list[0]!, capability: list[1]!, path: list.slice(2) };
    }
  }
  if (value !== null && typeof value === 'object') return { mode: 'raw', yaml: '' };
  return { mode: 'plain', value: (value ?? null) as PlainValue };
}

/** A fresh value when the user switches mode. */
export function emptyValue(mode: ValueMode): PropertyValue {
  switch (mode) {
    case 'plain':
      return { mode, value: '' };
    case 'input':
      return { mode, input: '' };
    case 'secret':
      return { mode, secret: '' };
    case 'property':
    case 'attribute':
      return { mode, node: 'SELF', path: [] };
    case 'capability':
      return { mode, deployment: '', capability: '' };
    case 'raw':
      return { mode, yaml: '' };
  }
}

/** Converts what the user typed into a plain value of the property's type, or explains why not. */
export function parsePlain(text: string, schema: PropertySchema | undefined): { value: PlainValue } | { error: string } {
  const type = schema?.type ?? 'string';
  switch (type) {
    case 'integer': {
      if (!/^[-+]?\d+$/.test(text.trim())) return { error: 'Expected a whole number.' };
      return { value: Number(text) };
    }
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) return { error: 'Expected a number.' };
      return { value: n };
    }
    case 'boolean':
      if (text === 'true' || text === 'false') return { value: text === 'true' };
      return { error: 'Expected true or false.' };
    default:
      return { value: text };
  }
}

/** A constraint operand as text. */
function show(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/** Checks a plain value against the schema's constraints; null when fine. */
export function checkConstraints(value: PlainValue, schema: PropertySchema | undefined): string | null {
  for (const c of schema?.constraints ?? []) {
    const v = c.value;
    const num = typeof value === 'number' ? value : undefined;
    const len = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    switch (c.operator) {
      case 'equal':
        if (JSON.stringify(value) !== JSON.stringify(v)) return `Must equal ${JSON.stringify(v)}.`;
        break;
      case 'greater_than':
        if (num !== undefined && !(num > Number(v))) return `Must be greater than ${show(v)}.`;
        break;
      case 'greater_or_equal':
        if (num !== undefined && !(num >= Number(v))) return `Must be at least ${show(v)}.`;
        break;
      case 'less_than':
        if (num !== undefined && !(num < Number(v))) return `Must be less than ${show(v)}.`;
        break;
      case 'less_or_equal':
        if (num !== undefined && !(num <= Number(v))) return `Must be at most ${show(v)}.`;
        break;
      case 'in_range':
        if (num !== undefined && Array.isArray(v) && (num < Number(v[0]) || num > Number(v[1]))) return `Must be between ${show(v[0])} and ${show(v[1])}.`;
        break;
      case 'valid_values':
        if (Array.isArray(v) && !v.some((x) => JSON.stringify(x) === JSON.stringify(value))) return `Must be one of ${v.map((x) => JSON.stringify(x)).join(', ')}.`;
        break;
      case 'length':
        if (len !== undefined && len !== Number(v)) return `Length must be ${show(v)}.`;
        break;
      case 'min_length':
        if (len !== undefined && len < Number(v)) return `At least ${show(v)} long.`;
        break;
      case 'max_length':
        if (len !== undefined && len > Number(v)) return `At most ${show(v)} long.`;
        break;
      case 'pattern':
        if (typeof value === 'string' && typeof v === 'string' && !new RegExp(`^(?:${v})$`).test(value)) return `Must match ${v}.`;
        break;
    }
  }
  return null;
}

/** Display text of a plain value in a text box. */
export function plainText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return show(value);
}
