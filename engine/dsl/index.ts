/**
 * The blueprint compiler: text -> located syntax tree -> imports resolved -> types merged ->
 * validated -> Plan. Pure functions (file reading goes through `readFile`, imports through
 * the resolver the host builds from the registered plugins' type libraries).
 *
 * Phases (one file each, run in order by `compile`): read.ts, imports.ts, types.ts,
 * templates.ts, functions.ts, plan.ts. See engine/dsl/README.md for the problems each reports.
 */
import type { Plan, Value } from './plan-model';
import type { Problem } from './problem';
import type { ImportResolver } from './resolver';
import { ProblemCode, Severity, hasErrors } from './problem';
import { loadBlueprint } from './imports';
import type { ImportedBlueprint } from './imports';
import { Reporter, toRange } from './read';
import { TypeRegistry } from './types';
import { buildModel, reportTypeImplementations } from './templates';
import { evaluateModel } from './functions';
import { buildPlan } from './plan';

export type { Plan, Value } from './plan-model';
export type { Problem } from './problem';

export type { ImportResolver, ResolvedImport } from './resolver';

export interface CompileOptions {
  /** Absolute path of the main blueprint file. */
  file: string;
  /** Text of the main file (unsaved editor text); read with `readFile` when absent. */
  text?: string;
  /** Input values. Missing required inputs without defaults are problems. */
  inputs?: Record<string, Value>;
  resolver: ImportResolver;
  /** Reads any other file (imports). Defaults to fs.readFileSync(path, 'utf8'). */
  readFile?: (path: string) => string;
  /** Seeded id generator for instance ids (tests pass a deterministic one). */
  instanceIdSuffix?: () => string;
  /** Skip planning (validate only): faster for the designer's keystroke path. */
  validateOnly?: boolean;
}

export interface CompileResult {
  problems: Problem[];
  /** Present when there are no error-severity problems (and validateOnly is not set). */
  plan?: Plan;
}

/**
 * Compiles a blueprint: every problem of the document in one pass, and the Plan when there
 * are no errors. Never throws for bad input (a Trellis bug becomes an `internal-error`).
 */
export function compile(options: CompileOptions): CompileResult {
  const reporter = new Reporter();
  let bp: ImportedBlueprint | undefined;
  try {
    bp = loadBlueprint(options, reporter);
    if (bp.files.some((f) => f.broken)) return { problems: sortProblems(reporter.problems, bp) };
    const registry = new TypeRegistry(bp, reporter);
    registry.resolveAll();
    const knownPlugins = options.resolver.knownPlugins();
    const model = buildModel(bp, registry, reporter, {
      knownPlugins,
      ...(options.inputs !== undefined ? { inputs: options.inputs } : {}),
      ...(options.validateOnly !== undefined ? { validateOnly: options.validateOnly } : {}),
    });
    reportTypeImplementations(registry, model, knownPlugins, reporter);
    evaluateModel(model, registry, reporter);
    const problems = sortProblems(reporter.problems, bp);
    if (options.validateOnly || hasErrors(problems)) return { problems };
    const plan = buildPlan(bp, model, options.instanceIdSuffix ? { instanceIdSuffix: options.instanceIdSuffix } : {});
    return { problems, plan };
  } catch (e) {
    const message = e instanceof Error ? `${e.message}` : String(e);
    reporter.problems.push({
      code: ProblemCode.internalError,
      severity: Severity.error,
      message: `Trellis failed to compile this blueprint (a bug): ${message}`,
      file: options.file,
      range: bp ? toRange(bp.main, 0, 0) : { line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 },
      path: '',
    });
    return { problems: bp ? sortProblems(reporter.problems, bp) : reporter.problems };
  }
}

/** Problems by file (main first, then import order), then position; stable otherwise. */
function sortProblems(problems: Problem[], bp: ImportedBlueprint): Problem[] {
  const fileIndex = new Map(bp.files.map((f, i) => [f.file, i]));
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = `${p.file}\u0000${p.range.offset}\u0000${p.code}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        (fileIndex.get(a.p.file) ?? 1e9) - (fileIndex.get(b.p.file) ?? 1e9) ||
        a.p.range.offset - b.p.range.offset ||
        a.i - b.i,
    )
    .map((x) => x.p);
}

export { createImportResolver } from './resolver';
export { evaluateRuntimeValue } from './functions';
export type { RuntimeFunctionContext, RuntimeInstanceRef } from './functions';
export { expandInstances, createInstancesFor, removeInstancesFor } from './instances';
export { buildTypeCatalog } from './catalog';
