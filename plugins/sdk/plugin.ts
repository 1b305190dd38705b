/**
 * Plugin registration. The entry points (engine process, CLI, `trellis serve`) import the
 * list in plugins/index.ts and hand it to the EngineHost; the engine core never names a
 * plugin.
 */
import type { OperationHandler } from './context';
import type { MetricCollector } from './collector';

/** A YAML type library a plugin ships, and the import names and URLs that resolve to it. */
export interface TypeLibrary {
  /** Absolute path of the YAML file. */
  file: string;
  /** `plugin:<name>` import names (without the `plugin:` prefix). */
  pluginImportNames: readonly string[];
  /** Exact import strings (paths or URLs) that resolve to this library. */
  importStrings: readonly string[];
  /** Patterns for import URLs that resolve to this library (e.g. any version's plugin.yaml). */
  importPatterns: readonly RegExp[];
}

export interface PluginDefinition {
  /** The name blueprints use in `plugins:` and as the first segment of implementations. */
  name: string;
  /** Other names that mean this plugin (e.g. the package name `cloudify-openstack-plugin`). */
  aliases?: readonly string[];
  description: string;
  /** Operation implementations keyed by the implementation minus the plugin name, e.g.
   * `nova_plugin.server.create`. */
  operations: Readonly<Record<string, OperationHandler>>;
  typeLibraries: readonly TypeLibrary[];
  /** At most this many operations of this plugin run at once (engine-wide). */
  concurrency?: number;
  /** Metric sources this plugin contributes (see collector.ts); the engine runs them for
   * every installed deployment. */
  collectors?: readonly MetricCollector[];
}

export function definePlugin(definition: PluginDefinition): PluginDefinition {
  return definition;
}
