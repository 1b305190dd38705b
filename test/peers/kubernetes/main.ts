/**
 * Runs the Kubernetes API double as a process: prints its kubeconfig to stdout (or writes it
 * to the file named by KUBE_DOUBLE_KUBECONFIG) and serves until SIGINT/SIGTERM.
 * Environment: KUBE_DOUBLE_PORT, KUBE_DOUBLE_TOKEN, KUBE_DOUBLE_POD_READY_MS.
 */
import { writeFileSync } from 'node:fs';
import { startKubeApiDouble } from './api-double';

const env = process.env;
const api = await startKubeApiDouble({
  ...(env.KUBE_DOUBLE_PORT ? { port: Number(env.KUBE_DOUBLE_PORT) } : {}),
  ...(env.KUBE_DOUBLE_TOKEN ? { token: env.KUBE_DOUBLE_TOKEN } : {}),
  ...(env.KUBE_DOUBLE_POD_READY_MS ? { podReadyMs: Number(env.KUBE_DOUBLE_POD_READY_MS) } : {}),
});
if (env.KUBE_DOUBLE_KUBECONFIG) writeFileSync(env.KUBE_DOUBLE_KUBECONFIG, api.kubeconfig(), { mode: 0o600 });
else process.stdout.write(api.kubeconfig());
process.stderr.write(`kubernetes API double on ${api.url}\n`);
const stop = () => void api.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
