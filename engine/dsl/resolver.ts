/**
 * The import resolver the host builds from the type libraries Trellis ships: the core types
 * (any of the well-known core types.yaml paths and URLs) and the plugins' libraries
 * (`plugin:NAME`, exact import strings, URL patterns). Resolution is a lookup, never a
 * download.
 */
import type { TypeLibrary } from '../../plugins/sdk/plugin';

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

/** A plugin's type library plus the plugin name it belongs to. */
export interface NamedTypeLibrary extends TypeLibrary {
  /** The plugin name reported as the library of its types (defaults to the first import name). */
  plugin?: string;
}

export interface ImportResolverOptions {
  /** Absolute path of the core types.yaml Trellis ships. */
  coreTypesFile: string;
  libraries: readonly NamedTypeLibrary[];
}

/**
 * Core types URLs used by 3.x–6.x blueprints, e.g.
 * `http://www.getcloudify.org/spec/cloudify/4.5/types.yaml`,
 * `https://cloudify.co/spec/cloudify/6.4.0/types.yaml`.
 */
const CORE_URL =
  /^https?:\/\/(www\.)?(getcloudify\.org|getcloudify\.org\.s3\.amazonaws\.com|cloudify\.co)\/spec\/cloudify\/[^/]+\/types\.yaml$/i;
/** The core types file in the manager's repository, which some blueprints import directly. */
const CORE_REPO_URL =
  /^https?:\/\/raw\.githubusercontent\.com\/cloudify-cosmo\/cloudify-manager\/[^/]+\/resources\/rest-service\/cloudify\/types\/types\.yaml$/i;
const CORE_PATHS = new Set(['cloudify/types/types.yaml', 'cloudify/types/types.yml']);

/** Builds the resolver for the core types and the given plugin libraries. */
export function createImportResolver(options: ImportResolverOptions): ImportResolver {
  const byPluginName = new Map<string, { file: string; library: string }>();
  const byString = new Map<string, { file: string; library: string }>();
  const patterns: { re: RegExp; target: { file: string; library: string } }[] = [];
  const names: string[] = [];
  for (const lib of options.libraries) {
    const library = lib.plugin ?? lib.pluginImportNames[0] ?? 'plugin';
    const target = { file: lib.file, library };
    if (!names.includes(library)) names.push(library);
    for (const n of lib.pluginImportNames) if (!byPluginName.has(n)) byPluginName.set(n, target);
    for (const s of lib.importStrings) if (!byString.has(s)) byString.set(s, target);
    for (const re of lib.importPatterns) patterns.push({ re, target });
  }
  const core = { file: options.coreTypesFile, library: 'core' };
  return {
    resolve(importString: string): ResolvedImport | undefined {
      const s = importString.trim();
      if (CORE_PATHS.has(s) || CORE_URL.test(s) || CORE_REPO_URL.test(s)) return core;
      if (s.startsWith('plugin:')) {
        // `plugin:cloudify-openstack-plugin?version= >=3.0` — the version is not ours to pick.
        const name = s.slice('plugin:'.length).split('?')[0]?.trim() ?? '';
        return byPluginName.get(name);
      }
      const exact = byString.get(s);
      if (exact) return exact;
      for (const p of patterns) if (p.re.test(s)) return p.target;
      return undefined;
    },
    knownPlugins(): string[] {
      return [...names].sort();
    },
  };
}
