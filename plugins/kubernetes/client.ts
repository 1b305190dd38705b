/**
 * The few cluster calls the operations make, over @kubernetes/client-node 1.4.0: server-side
 * apply (field manager `trellis`), read, delete, pods of a workload, and the Deployment
 * scale subresource.
 */
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { Cluster } from './connection';
import type { Manifest, ObjectRef } from './manifests';

/** The field manager Trellis applies as (who owns which fields, in managedFields). */
export const FIELD_MANAGER = 'trellis';

/** A connected cluster's API clients. */
export class KubeClient {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;

  constructor(readonly cluster: Cluster) {
    this.objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    this.core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    this.apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  }

  /** Server-side apply; `force` takes over fields other managers own. */
  apply(manifest: Manifest, force: boolean): Promise<KubernetesObject> {
    return this.objects.patch(manifest, undefined, undefined, FIELD_MANAGER, force, PatchStrategy.ServerSideApply);
  }

  read(ref: ObjectRef): Promise<KubernetesObject & Record<string, unknown>> {
    return this.objects.read<KubernetesObject & Record<string, unknown>>({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } });
  }

  async delete(ref: ObjectRef): Promise<void> {
    await this.objects.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, undefined, undefined, undefined, undefined, 'Foreground');
  }

  async pods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  readScale(namespace: string, name: string) {
    return this.apps.readNamespacedDeploymentScale({ name, namespace });
  }

  /** PUT …/scale carrying the resourceVersion read before: a concurrent change is a 409. */
  replaceScale(namespace: string, name: string, replicas: number, resourceVersion: string | undefined) {
    return this.apps.replaceNamespacedDeploymentScale({
      name,
      namespace,
      fieldManager: FIELD_MANAGER,
      body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) }, spec: { replicas } },
    });
  }
}

/** `a=b,c=d` from a label map. */
export function selectorOf(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}
