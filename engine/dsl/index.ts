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

export type { Plan, Value } from './plan-model';
export type { Problem } from './problem';

/** Where an import string leads: a file to read, or nothing (an unresolved-import problem). */
export interface ResolvedImport {
  /** Absolute path (or virtual URI) of the file. */
  file: string;
  /** `core`, a plugin name, or `blueprint` (a relative file). */
  library: string;
}

/**
 * Resolves non-relative imports (the core types URL/path, `plugin:NAME`, plugin URLs).
 * Relative imports are resolved by the compiler itself against the importing file.
 */
export interface ImportResolver {
  resolve(importString: string, fromFile: string): ResolvedImport | undefined;
  /** Names of the plugins Trellis has, for the unresolved-import message. */
  knownPlugins(): string[];
}

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

export declare function compile(options: CompileOptions): CompileResult;
