/**
 * What the `validate` and `plan` commands share: the import resolver built from the
 * built-in plugins' type libraries plus the core types, and reading `-i` inputs.
 */
import { readFileSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { parse } from 'yaml';
import { coreTypesFile } from '../dsl/core/index';
import { createImportResolver } from '../dsl/resolver';
import type { ImportResolver } from '../dsl/resolver';
import type { Value } from '../dsl/plan-model';
import type { Problem } from '../dsl/problem';
import { builtinPlugins } from '../../plugins/index';

/** The resolver the CLI compiles with: core types and every built-in plugin's libraries. */
export function cliResolver(): ImportResolver {
  return createImportResolver({
    coreTypesFile,
    libraries: builtinPlugins.flatMap((p) => p.typeLibraries.map((lib) => ({ ...lib, plugin: p.name }))),
  });
}

/**
 * Deployment inputs from `-i` arguments, merged left to right. Each is a YAML/JSON file, or
 * `key=value` pairs separated by `;` (as Cloudify's CLI accepts); values are parsed as YAML
 * scalars so `replicas=3` is a number.
 */
export function readInputs(args: readonly string[]): Record<string, Value> {
  const inputs: Record<string, Value> = {};
  for (const arg of args) {
    if (/^[^=;]+=/.test(arg) && !arg.endsWith('.yaml') && !arg.endsWith('.yml') && !arg.endsWith('.json')) {
      for (const pair of arg.split(';')) {
        const eq = pair.indexOf('=');
        if (eq <= 0) continue;
        inputs[pair.slice(0, eq).trim()] = parse(pair.slice(eq + 1)) as Value;
      }
      continue;
    }
    const value = parse(readFileSync(arg, 'utf8')) as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new Error(`inputs file ${arg} must hold a mapping of input names to values`);
    Object.assign(inputs, value as Record<string, Value>);
  }
  return inputs;
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `file:line:col: severity code: message`, with the file shown relative to the cwd. */
export function formatProblemLine(problem: Problem): string {
  const { range, severity, code, message } = problem;
  return `${displayPath(problem.file)}:${range.line}:${range.column}: ${severity} ${code}: ${message}`;
}

/** Collects repeatable option values (`-i a.yaml -i b=1`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
