/** Recognising intrinsic function calls in values (shared by the phases). */

/** Functions evaluated while planning (when their arguments are plan-time too). */
export const PLAN_TIME_FUNCTIONS = new Set(['get_input', 'get_property']);

/** Functions whose value only exists while a deployment runs. */
export const RUN_TIME_FUNCTIONS = new Set([
  'get_attribute',
  'get_attributes_list',
  'get_attributes_dict',
  'get_secret',
  'get_capability',
]);

/** Functions over other values: plan-time when all their arguments are. */
export const COMBINING_FUNCTIONS = new Set([
  'concat',
  'merge',
  'string_find',
  'string_replace',
  'string_split',
  'string_lower',
  'string_upper',
]);

export const FUNCTION_NAMES: ReadonlySet<string> = new Set([
  ...PLAN_TIME_FUNCTIONS,
  ...RUN_TIME_FUNCTIONS,
  ...COMBINING_FUNCTIONS,
]);

/** The function name when `v` is a call (`{ get_input: x }`), else undefined. */
export function functionName(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  let name: string | undefined;
  for (const k in v) {
    if (name !== undefined) return undefined;
    name = k;
  }
  return name !== undefined && FUNCTION_NAMES.has(name) ? name : undefined;
}

/** True when `v` contains a function call anywhere. */
export function containsFunction(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (functionName(v) !== undefined) return true;
  if (Array.isArray(v)) return v.some(containsFunction);
  for (const k in v) if (containsFunction((v as Record<string, unknown>)[k])) return true;
  return false;
}
