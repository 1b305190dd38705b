/**
 * Phase 2 — imports: the main file and everything it imports, transitively, merged into one
 * set of named definitions per section.
 *
 * Relative imports resolve against the importing file; everything else goes to the
 * ImportResolver the host built from the plugins' type libraries (the network is never
 * touched). Each file is read once; an import of a file that is still being imported
 * further up the chain is a cycle.
 *
 * Problems: unresolved-import, import-cycle, import-conflict (one name defined differently
 * in two files), wrong-shape (an `imports` entry that is not a string).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import type { ImportResolver } from './resolver';
import { ProblemCode } from './problem';
import { childPath, readSource } from './read';
import type { Reporter, SourceDoc } from './read';

/** One named entry of a section (a type, a node template, an input...), with its origin. */
export interface Definition {
  name: string;
  value: unknown;
  doc: SourceDoc;
  /** Document path of the entry inside `doc`, e.g. `node_types.my.App`. */
  path: string;
}

/** Sections whose entries merge by name across imported files. */
export const MERGED_SECTIONS = [
  'inputs',
  'data_types',
  'plugins',
  'node_types',
  'relationships',
  'policy_types',
  'node_templates',
  'groups',
  'policies',
  'workflows',
  'outputs',
  'capabilities',
] as const;
export type MergedSection = (typeof MERGED_SECTIONS)[number];

export interface ImportedBlueprint {
  main: SourceDoc;
  /** Every file read, main first, in import order. */
  files: SourceDoc[];
  sections: Record<MergedSection, Map<string, Definition>>;
}

export interface ImportOptions {
  file: string;
  text?: string;
  resolver: ImportResolver;
  readFile?: (path: string) => string;
}

const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** Reads the main file and its imports; merges the sections. */
export function loadBlueprint(options: ImportOptions, reporter: Reporter): ImportedBlueprint {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const mainText = options.text ?? safeRead(readFile, options.file);
  const main = readSource(options.file, mainText ?? '', 'blueprint', reporter);
  const sections = Object.fromEntries(MERGED_SECTIONS.map((s) => [s, new Map<string, Definition>()])) as Record<
    MergedSection,
    Map<string, Definition>
  >;
  const files: SourceDoc[] = [];
  const byFile = new Map<string, SourceDoc>();
  const inProgress = new Set<string>();
  byFile.set(main.file, main);

  const visit = (doc: SourceDoc): void => {
    files.push(doc);
    inProgress.add(doc.file);
    const root = doc.value;
    if (isRecord(root)) {
      const imports = root.imports;
      if (Array.isArray(imports)) {
        imports.forEach((entry, i) => importOne(doc, entry, childPath('imports', i)));
      } else if (imports !== undefined && imports !== null) {
        reporter.error(ProblemCode.wrongShape, '"imports" must be a list of import strings', doc, 'imports');
      }
    }
    inProgress.delete(doc.file);
    mergeSections(doc);
  };

  const importOne = (from: SourceDoc, entry: unknown, path: string): void => {
    if (typeof entry !== 'string') {
      reporter.error(ProblemCode.wrongShape, 'An import must be a string (a path or URL)', from, path);
      return;
    }
    const target = resolveImport(entry, from, options.resolver);
    if (!target) {
      reporter.error(ProblemCode.unresolvedImport, unresolvedMessage(entry, options.resolver), from, path);
      return;
    }
    if (inProgress.has(target.file)) {
      reporter.error(ProblemCode.importCycle, `Import cycle: "${entry}" is already being imported`, from, path);
      return;
    }
    if (byFile.has(target.file)) return;
    const text = safeRead(readFile, target.file);
    if (text === undefined) {
      const what = target.library === 'blueprint' ? 'file not found' : 'library file could not be read';
      reporter.error(ProblemCode.unresolvedImport, `Cannot import "${entry}": ${what} (${target.file})`, from, path);
      return;
    }
    const doc = readSource(target.file, text, target.library, reporter);
    byFile.set(target.file, doc);
    visit(doc);
  };

  const mergeSections = (doc: SourceDoc): void => {
    const root = doc.value;
    if (!isRecord(root)) return;
    for (const section of MERGED_SECTIONS) {
      const entries = root[section];
      if (!isRecord(entries)) continue;
      const into = sections[section];
      for (const [name, value] of Object.entries(entries)) {
        const path = childPath(section, name);
        const existing = into.get(name);
        if (existing) {
          if (existing.doc !== doc && !deepEqual(existing.value, value)) {
            reporter.error(
              ProblemCode.importConflict,
              `"${name}" in ${section} is defined differently in ${existing.doc.file}`,
              doc,
              path,
              'key',
            );
          }
          continue;
        }
        into.set(name, { name, value, doc, path });
      }
    }
  };

  visit(main);
  return { main, files, sections };
}

function resolveImport(
  entry: string,
  from: SourceDoc,
  resolver: ImportResolver,
): { file: string; library: string } | undefined {
  const resolved = resolver.resolve(entry, from.file);
  if (resolved) return resolved;
  if (URL_LIKE.test(entry) && !/^[a-zA-Z]:[\\/]/.test(entry)) return undefined;
  const file = isAbsolute(entry) ? entry : resolvePath(dirname(from.file), entry);
  return { file, library: from.library === 'blueprint' ? 'blueprint' : from.library };
}

function unresolvedMessage(entry: string, resolver: ImportResolver): string {
  const plugins = resolver.knownPlugins();
  const known = plugins.length > 0 ? plugins.join(', ') : 'none';
  return `Cannot resolve import "${entry}": it is not a relative file and no Trellis type library provides it (Trellis has plugins: ${known}; core types import as cloudify/types/types.yaml)`;
}

function safeRead(readFile: (p: string) => string, file: string): string | undefined {
  try {
    return readFile(file);
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of plain values (for identical re-definitions across imports). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && deepEqual(ra[k], rb[k]));
}
