/**
 * Finds the handler for a plan operation among the plugins the host was given. The engine
 * core names no plugin, except that `kind: script` operations go to whichever registered
 * plugin is called `script` (as Cloudify's script plugin runs `script_runner.tasks.run`).
 */
import type { PlanOperation, Value } from '../dsl/plan-model';
import type { OperationHandler, PluginDefinition } from '../../plugins/sdk';

/** The plugin and operation that run script implementations. */
export const SCRIPT_PLUGIN = 'script';
export const SCRIPT_OPERATION = 'script_runner.tasks.run';

export interface ResolvedOperation {
  plugin: PluginDefinition;
  handler: OperationHandler;
  /** Inputs the dispatch adds (`script_path` for scripts). */
  extraInputs: Record<string, Value>;
}

export class PluginRegistry {
  private readonly byName = new Map<string, PluginDefinition>();

  constructor(readonly plugins: readonly PluginDefinition[]) {
    for (const p of plugins) {
      for (const name of [p.name, ...(p.aliases ?? [])]) {
        const seen = this.byName.get(name);
        if (seen && seen !== p) throw new Error(`plugins "${seen.name}" and "${p.name}" both claim the name "${name}"`);
        this.byName.set(name, p);
      }
    }
  }

  get(name: string): PluginDefinition | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /** Resolves a plugin or script operation; a string explains why it cannot be run. */
  resolve(op: PlanOperation): ResolvedOperation | string {
    if (op.kind === 'script') {
      const plugin = this.byName.get(SCRIPT_PLUGIN);
      const handler = plugin?.operations[SCRIPT_OPERATION];
      if (!plugin || !handler) return `cannot run script ${op.implementation}: no "${SCRIPT_PLUGIN}" plugin with ${SCRIPT_OPERATION} is registered`;
      return { plugin, handler, extraInputs: { script_path: op.scriptPath ?? op.implementation } };
    }
    const pluginName = op.plugin ?? op.implementation.split('.')[0] ?? '';
    const plugin = this.byName.get(pluginName);
    if (!plugin) return `plugin "${pluginName}" (for ${op.implementation}) is not installed; have: ${this.names().join(', ') || 'none'}`;
    const opName = op.operation ?? op.implementation.slice(pluginName.length + 1);
    const handler = plugin.operations[opName];
    if (!handler) return `plugin "${plugin.name}" has no operation "${opName}" (for ${op.implementation})`;
    return { plugin, handler, extraInputs: {} };
  }
}
