/**
 * Opens the EngineHost the way the entry points (CLI, `trellis serve`) need it: the
 * built-in plugins, the Trellis home (`TRELLIS_HOME` or the per-OS default), the headless
 * secret store and the example blueprints folder. The desktop app builds its own with
 * Electron's userData and a safeStorage secret store.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinPlugins } from '../../plugins/index';
import type { PluginDefinition } from '../../plugins/sdk';
import { defaultTrellisHome } from '../store/home';
import { createEngineHost, type EngineHost, type EngineHostOptions } from './engine-host';

/** The repository's example blueprints folder. */
export const examplesDir: string = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'blueprints');

export interface OpenHostOptions extends Partial<Omit<EngineHostOptions, 'plugins'>> {
  /** Plugins in addition to the built-in ones. */
  extraPlugins?: readonly PluginDefinition[];
}

/** An EngineHost with the built-in plugins, in `TRELLIS_HOME` unless `home` is given. */
export function openHost(options: OpenHostOptions = {}): EngineHost {
  const { extraPlugins = [], ...rest } = options;
  return createEngineHost({
    examplesDir,
    ...rest,
    home: options.home ?? defaultTrellisHome(),
    plugins: [...builtinPlugins, ...extraPlugins],
  });
}
