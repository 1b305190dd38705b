/**
 * The core type library Trellis ships in place of Cloudify's `types.yaml`: the abstract node
 * and relationship types, the standard interfaces, the built-in workflow declarations and
 * the policy types. The import resolver maps `cloudify/types/types.yaml` and the core
 * types URLs to {@link coreTypesFile}.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of engine/dsl/core/types.yaml. */
export const coreTypesFile: string = fileURLToPath(new URL('./types.yaml', import.meta.url));

/**
 * Built-in workflows in the core library are mapped to `trellis.workflows.<name>`; the
 * engine runs its own implementation for any mapping with this prefix.
 */
export const builtinWorkflowPrefix = 'trellis.workflows.';

/** The workflows the core library declares, each mapped to `trellis.workflows.<name>`. */
export const builtinWorkflowNames = [
  'install',
  'uninstall',
  'start',
  'stop',
  'restart',
  'scale',
  'heal',
  'execute_operation',
  'install_new_agents',
  'update',
] as const;
export type BuiltinWorkflowName = (typeof builtinWorkflowNames)[number];

/** Policy types declared by the core library (`policy_types` section). */
export const corePolicyTypes = {
  scaling: 'cloudify.policies.scaling',
  metricScale: 'trellis.policies.metric_scale',
  hostFailureHeal: 'trellis.policies.host_failure_heal',
} as const;

/**
 * The built-in workflow a mapping names, or undefined for a plugin workflow.
 * e.g. `trellis.workflows.scale` -> `scale`.
 */
export function builtinWorkflowOf(mapping: string): BuiltinWorkflowName | undefined {
  if (!mapping.startsWith(builtinWorkflowPrefix)) return undefined;
  const name = mapping.slice(builtinWorkflowPrefix.length);
  return (builtinWorkflowNames as readonly string[]).includes(name)
    ? (name as BuiltinWorkflowName)
    : undefined;
}
