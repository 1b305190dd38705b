/**
 * Run-time intrinsic functions (get_attribute, get_secret, get_capability, ...) evaluated
 * against a deployment's live state: the compiler's `evaluateRuntimeValue` with the
 * instances read from the store.
 */
import { evaluateRuntimeValue, type RuntimeFunctionContext, type RuntimeInstanceRef } from '../dsl';
import type { Plan, Value } from '../dsl/plan-model';
import type { InstanceRecord, Store } from '../store';

export interface RuntimeValueScope {
  deploymentId: string;
  selfId?: string;
  sourceId?: string;
  targetId?: string;
}

export interface RuntimeValueDeps {
  store: Store;
  getSecret(name: string): Promise<string>;
  getCapability(deploymentId: string, name: string): Promise<Value>;
}

const ref = (i: InstanceRecord): RuntimeInstanceRef => i;

/** Evaluates every run-time function in `value` for the instances named by `scope`. */
export function evaluateRuntime(value: Value, scope: RuntimeValueScope, deps: RuntimeValueDeps, plan: Plan): Promise<Value> {
  const { store } = deps;
  const load = (id: string | undefined): RuntimeInstanceRef | undefined => {
    if (id === undefined) return undefined;
    const i = store.getInstance(scope.deploymentId, id);
    return i ? ref(i) : undefined;
  };
  const ctx: RuntimeFunctionContext = {
    nodeProperties: (node) => plan.nodes.find((n) => n.name === node)?.properties,
    instancesOf: (node) => store.listInstances(scope.deploymentId, node).map(ref),
    getSecret: (name) => deps.getSecret(name),
    getCapability: (d, name) => deps.getCapability(d, name),
  };
  const self = load(scope.selfId);
  const source = load(scope.sourceId);
  const target = load(scope.targetId);
  if (self) ctx.self = self;
  if (source) ctx.source = source;
  if (target) ctx.target = target;
  return evaluateRuntimeValue(value, ctx);
}
