/**
 * The deployment inputs form, as data: which fields the blueprint's input schemas ask for,
 * how a typed text becomes a value, and what is wrong with it (checked as the user types).
 * The engine validates again on create; this is for immediate feedback.
 */
import type { Plan, Value } from '../../engine/host/contract';

/** One input declaration of a plan. */
export type PlanInput = Plan['inputs'][string];

/** One form field. */
export interface InputField {
  name: string;
  type: string;
  description?: string;
  required: boolean;
  /** The default as text (placeholder / initial value). */
  defaultText: string;
  /** Allowed values, when a `valid_values` constraint lists them. */
  choices?: string[];
}

/** The fields for a plan's inputs, in declaration order. */
export function inputFields(inputs: Readonly<Record<string, PlanInput>>): InputField[] {
  return Object.values(inputs).map((i) => {
    const choices = i.constraints?.find((c) => c.operator === 'valid_values')?.value;
    return {
      name: i.name,
      type: i.type ?? 'string',
      ...(i.description ? { description: i.description } : {}),
      required: i.required && i.default === undefined,
      defaultText:
        i.default === undefined
          ? ''
          : typeof i.default === 'string'
            ? i.default
            : JSON.stringify(i.default),
      ...(Array.isArray(choices)
        ? { choices: choices.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))) }
        : {}),
    };
  });
}

/** Text -> value for a field of `type`; an error message when it does not parse. */
export function parseInput(type: string, text: string): { value: Value } | { error: string } {
  const t = text.trim();
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(t) ? { value: Number(t) } : { error: 'a whole number' };
    case 'float':
      return t !== '' && Number.isFinite(Number(t)) ? { value: Number(t) } : { error: 'a number' };
    case 'boolean':
      return t === 'true' || t === 'false' ? { value: t === 'true' } : { error: 'true or false' };
    case 'list':
    case 'dict':
      try {
        const v = JSON.parse(t) as Value;
        const ok =
          type === 'list'
            ? Array.isArray(v)
            : v !== null && typeof v === 'object' && !Array.isArray(v);
        return ok ? { value: v } : { error: type === 'list' ? 'a JSON list' : 'a JSON object' };
      } catch {
        return { error: type === 'list' ? 'a JSON list' : 'a JSON object' };
      }
    default:
      return { value: text };
  }
}

/** A constraint operand as text for messages. */
const show = (v: Value | undefined): string =>
  typeof v === 'string' ? v : JSON.stringify(v ?? null);

/** Checks a PlanInput's constraints against a parsed value; the first failed one, if any. */
export function checkConstraints(input: PlanInput, value: Value): string | undefined {
  for (const c of input.constraints ?? []) {
    const v = c.value;
    const n = typeof value === 'number' ? value : undefined;
    const len = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    switch (c.operator) {
      case 'valid_values':
        if (Array.isArray(v) && !v.some((x) => JSON.stringify(x) === JSON.stringify(value)))
          return `one of ${v.map((x) => show(x)).join(', ')}`;
        break;
      case 'in_range':
        if (Array.isArray(v) && n !== undefined && (n < Number(v[0]) || n > Number(v[1])))
          return `between ${show(v[0])} and ${show(v[1])}`;
        break;
      case 'greater_than':
        if (n !== undefined && !(n > Number(v))) return `greater than ${show(v)}`;
        break;
      case 'greater_or_equal':
        if (n !== undefined && !(n >= Number(v))) return `at least ${show(v)}`;
        break;
      case 'less_than':
        if (n !== undefined && !(n < Number(v))) return `less than ${show(v)}`;
        break;
      case 'less_or_equal':
        if (n !== undefined && !(n <= Number(v))) return `at most ${show(v)}`;
        break;
      case 'equal':
        if (JSON.stringify(value) !== JSON.stringify(v)) return `equal to ${JSON.stringify(v)}`;
        break;
      case 'min_length':
        if (len !== undefined && len < Number(v)) return `at least ${show(v)} long`;
        break;
      case 'max_length':
        if (len !== undefined && len > Number(v)) return `at most ${show(v)} long`;
        break;
      case 'length':
        if (len !== undefined && len !== Number(v)) return `exactly ${show(v)} long`;
        break;
      case 'pattern':
        if (
          typeof value === 'string' &&
          typeof v === 'string' &&
          !new RegExp(`^(?:${v})$`).test(value)
        )
          return `matching ${v}`;
        break;
    }
  }
  return undefined;
}

/**
 * Validates the whole form. Empty text means "use the default" (left out of the values).
 * Returns the values to send and an error per field ("must be …").
 */
export function validateInputs(
  inputs: Readonly<Record<string, PlanInput>>,
  texts: Readonly<Record<string, string>>,
): { values: Record<string, Value>; errors: Record<string, string> } {
  const values: Record<string, Value> = {};
  const errors: Record<string, string> = {};
  for (const input of Object.values(inputs)) {
    const text = texts[input.name] ?? '';
    // Empty means "not given": the default applies, or it is missing when required.
    if (text.trim() === '') {
      if (input.required && input.default === undefined) errors[input.name] = 'required';
      continue;
    }
    const parsed = parseInput(input.type ?? 'string', text);
    if ('error' in parsed) {
      errors[input.name] = `must be ${parsed.error}`;
      continue;
    }
    const bad = checkConstraints(input, parsed.value);
    if (bad) errors[input.name] = `must be ${bad}`;
    else values[input.name] = parsed.value;
  }
  return { values, errors };
}

/** A deployment id the engine accepts: letters, digits, `-`, `_`, `.`; starts with a letter or digit. */
export function deploymentIdError(id: string, existing: readonly string[]): string | undefined {
  if (id === '') return 'required';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(id)) return 'letters, digits, - _ . only';
  if (existing.includes(id)) return 'already exists';
  return undefined;
}
