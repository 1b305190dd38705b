/**
 * `kubernetes-metrics`: pod CPU and memory from metrics.k8s.io per workload node. For each
 * started instance holding a Deployment (runtime properties `workload`, `selector`,
 * `kube_connection` written by create; the kubeconfig itself is read from the secret
 * `kube_connection.secret_name` names, through the collector context) it lists the workload's pods and sums their
 * PodMetrics: `cpu_millicores`, `memory_bytes`, `pods` (with usage), `ready_pods` and the
 * per-pod averages `cpu_millicores_per_pod` / `memory_bytes_per_pod` (what a scale policy
 * compares against a threshold), plus `up`.
 */
import { CoreV1Api, Metrics, type PodMetricsList } from '@kubernetes/client-node';
import type { CollectedSample, CollectorSecrets, MetricCollector, MetricTarget } from '../sdk';
import { clusterFromKubeconfig, connectionSecretOf } from './connection';

const CPU_UNITS: Record<string, number> = { n: 1e-6, u: 1e-3, m: 1, '': 1000 };
const MEM_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A CPU quantity (`250m`, `12345n`, `2`) in millicores. */
export function cpuMillicores(q: string): number {
  const m = /^([0-9.]+)([num]?)$/.exec(q.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * CPU_UNITS[m[2] ?? '']!;
}

/** A memory quantity (`128Mi`, `1G`, `1024`) in bytes. */
export function memoryBytes(q: string): number {
  const m = /^([0-9.]+)([kMGT]i?|Ki)?$/.exec(q.trim());
  if (!m) return Number.NaN;
  const unit = MEM_UNITS[m[2] ?? ''];
  return unit === undefined ? Number.NaN : Number(m[1]) * unit;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

async function collectOne(target: MetricTarget, cache: Map<string, Promise<PodMetricsList>>, signal: AbortSignal, secrets: CollectorSecrets | undefined): Promise<CollectedSample[]> {
  const rp = target.runtimeProperties;
  const [namespace, name] = (str(rp.workload) ?? '').split('/') as [string, string | undefined];
  const secretName = connectionSecretOf(rp)!;
  const kubeconfig = await secrets?.get(secretName);
  // Without the secret (no secret access, or it was deleted) the cluster is unreachable.
  if (kubeconfig === undefined) throw new Error(`no secret ${secretName}`);
  const cluster = clusterFromKubeconfig(kubeconfig);
  const base = { deploymentId: target.deploymentId, nodeId: target.nodeId, instanceId: target.instanceId };
  const labels = { namespace, workload: name ?? '' };
  if (signal.aborted) return [];
  const pods = (await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: str(rp.selector) ?? '' })).items;
  const key = `${cluster.server}|${namespace}`;
  let metrics = cache.get(key);
  if (!metrics) {
    metrics = new Metrics(cluster.kubeConfig).getPodMetrics(namespace);
    cache.set(key, metrics);
  }
  const byName = new Map((await metrics).items.map((i) => [i.metadata.name, i]));
  let cpu = 0;
  let memory = 0;
  let measured = 0;
  for (const pod of pods) {
    const m = byName.get(pod.metadata?.name ?? '');
    if (!m) continue;
    measured += 1;
    for (const c of m.containers) {
      cpu += cpuMillicores(c.usage.cpu);
      memory += memoryBytes(c.usage.memory);
    }
  }
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const sample = (metric: string, value: number): CollectedSample => ({ ...base, metric, value, labels });
  const out = [sample('up', 1), sample('pods', measured), sample('ready_pods', ready), sample('cpu_millicores', cpu), sample('memory_bytes', memory)];
  if (measured > 0) out.push(sample('cpu_millicores_per_pod', cpu / measured), sample('memory_bytes_per_pod', memory / measured));
  return out;
}

/** The collector registered by the plugin. */
export const kubernetesMetricsCollector: MetricCollector = {
  name: 'kubernetes-metrics',
  async collect(targets, signal, context) {
    const mine = targets.filter((t) => connectionSecretOf(t.runtimeProperties) && str(t.runtimeProperties.workload));
    const cache = new Map<string, Promise<PodMetricsList>>();
    const results = await Promise.all(
      mine.map(async (t) => {
        try {
          return await collectOne(t, cache, signal, context?.secrets);
        } catch {
          // An unreachable cluster or a missing metrics API is reported as up = 0 (the
          // scheduler's convention), not thrown, so other targets still report.
          return [{ deploymentId: t.deploymentId, nodeId: t.nodeId, instanceId: t.instanceId, metric: 'up', value: 0 }];
        }
      }),
    );
    return results.flat();
  },
};
