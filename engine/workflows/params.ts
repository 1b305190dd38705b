/**
 * Typed reading of workflow parameters. Values may come from the CLI as strings ("3",
 * "true", "a,b"), so the readers accept those forms; anything else is a
 * WorkflowParameterError naming the parameter.
 */
import type { Value } from '../dsl/plan-model';
import { WorkflowParameterError } from './errors';

export class WorkflowParams {
  constructor(
    readonly workflow: string,
    private readonly values: Readonly<Record<string, Value>>,
    known: readonly string[],
  ) {
    const unknown = Object.keys(values).filter((k) => !known.includes(k));
    if (unknown.length > 0) {
      throw new WorkflowParameterError(
        workflow,
        `unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} for workflow ${workflow}` +
          ` (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
        unknown[0],
      );
    }
  }

  private fail(name: string, expected: string, value: Value): never {
    throw new WorkflowParameterError(this.workflow, `parameter '${name}' of ${this.workflow} must be ${expected}, got ${JSON.stringify(value)}`, name);
  }

  has(name: string): boolean {
    const value = this.values[name];
    return value !== undefined && value !== null && value !== '';
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') this.fail(name, 'a string', value);
    return value;
  }

  integer(name: string): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    const parsed = typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
    if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed)) this.fail(name, 'an integer', value);
    return parsed;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    return this.fail(name, 'true or false', value);
  }

  /** A list of strings; a comma-separated string is accepted too. */
  stringList(name: string): string[] {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return [];
    if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
    return this.fail(name, 'a list of strings', value);
  }

  dict(name: string): Record<string, Value> {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return {};
    if (typeof value === 'object' && !Array.isArray(value)) return value;
    return this.fail(name, 'a mapping', value);
  }
}
