/**
 * The Kubernetes plugin (`kubernetes`, alias `cloudify-kubernetes-plugin`): a cluster
 * connection node, resource nodes (generic, Deployment, Service, ConfigMap, Secret,
 * Namespace) and the Trellis micro-service, applied with server-side apply and waited for;
 * Deployments and micro-services scale their replicas through the scale subresource; the
 * `kubernetes-metrics` collector reads metrics.k8s.io. See README.md.
 */
import { fileURLToPath } from 'node:url';
import { definePlugin, type PluginDefinition, type TypeLibrary } from '../sdk';
import { kubernetesMetricsCollector } from './metrics-collector';
import { kubernetesOperations } from './operations';

export { kubernetesMetricsCollector } from './metrics-collector';
export { resolveCluster, type Cluster } from './connection';

/** The type library and the import strings real blueprints use for the Kubernetes plugin. */
export const kubernetesTypeLibrary: TypeLibrary = {
  file: fileURLToPath(new URL('./plugin.yaml', import.meta.url)),
  pluginImportNames: ['cloudify-kubernetes-plugin', 'kubernetes'],
  importStrings: [],
  importPatterns: [
    /^https?:\/\/(www\.)?(getcloudify\.org|cloudify\.co)\/spec\/kubernetes-plugin\/[^/]+\/plugin\.yaml$/i,
    /^https?:\/\/raw\.githubusercontent\.com\/cloudify-(cosmo|incubator)\/cloudify-kubernetes-plugin\/[^/]+\/plugin\.yaml$/i,
    /^https?:\/\/github\.com\/cloudify-(cosmo|incubator)\/cloudify-kubernetes-plugin\/releases\/download\/[^/]+\/plugin\.yaml$/i,
    /^plugin:(cloudify-kubernetes-plugin|kubernetes)(\?.*)?$/i,
  ],
};

/** The Kubernetes plugin definition registered in plugins/index.ts. */
export const kubernetesPlugin: PluginDefinition = definePlugin({
  name: 'kubernetes',
  aliases: ['cloudify-kubernetes-plugin'],
  description: 'Kubernetes objects by server-side apply (generic manifests, Deployment, Service, ConfigMap, Secret, Namespace, micro-service), readiness waits, replica scaling, pod metrics.',
  operations: kubernetesOperations,
  typeLibraries: [kubernetesTypeLibrary],
  collectors: [kubernetesMetricsCollector],
});
