/**
 * What a node applies: manifests from an inline `definition` (one object or a list), from
 * files next to the blueprint (`file` / `files`, multi-document YAML, `{{ name }}`
 * template variables), or rendered from a micro-service's properties (micro-service.ts).
 * Namespaced objects without a namespace get the node's `options.namespace`, else the
 * context's.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { NonRecoverableError, type OperationContext, type Value } from '../sdk';

/** A manifest: any Kubernetes object. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** The reference to an applied object kept in runtime properties. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

type Dict = Record<string, Value>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Cluster-scoped kinds among those blueprints use (everything else is namespaced). */
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition', 'PriorityClass', 'IngressClass']);
export const isNamespaced = (kind: string) => !CLUSTER_SCOPED.has(kind);

function checkManifest(value: unknown, where: string): Manifest {
  if (!isDict(value)) throw new NonRecoverableError(`${where}: a manifest must be a mapping`);
  const meta = value.metadata;
  if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isDict(meta) || typeof meta.name !== 'string') {
    throw new NonRecoverableError(`${where}: a manifest needs apiVersion, kind and metadata.name`);
  }
  return structuredClone(value) as unknown as Manifest;
}

/** Replaces `{{ name }}` with template variables (a missing variable is an error). */
function render(text: string, variables: Dict, where: string): string {
  return text.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g, (_m, name: string) => {
    const v = variables[name];
    if (v === undefined) throw new NonRecoverableError(`${where}: template variable ${name} is not set (template_variables)`);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function fromFile(ctx: Pick<OperationContext, 'resolveResource'>, spec: Value, where: string): Manifest[] {
  const ref = typeof spec === 'string' ? { resource_path: spec } : isDict(spec) ? spec : undefined;
  const path = ref && typeof ref.resource_path === 'string' ? ref.resource_path : undefined;
  if (!ref || !path) throw new NonRecoverableError(`${where}: a file needs resource_path`);
  const text = render(readFileSync(ctx.resolveResource(path), 'utf8'), isDict(ref.template_variables) ? ref.template_variables : {}, `${where} ${path}`);
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new NonRecoverableError(`${where} ${path}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    out.push(checkManifest(value, `${where} ${path}`));
  }
  return out;
}

/** The manifests of a resource node (not a micro-service), namespaces filled in. */
export function nodeManifests(ctx: Pick<OperationContext, 'node' | 'operation' | 'resolveResource'>, defaultNamespace: string): Manifest[] {
  const where = `${ctx.node.name} ${ctx.operation.name}`;
  const p = ctx.node.properties;
  const out: Manifest[] = [];
  const def = p.definition;
  if (Array.isArray(def)) def.forEach((d, i) => out.push(checkManifest(d, `${where} definition[${i}]`)));
  else if (isDict(def) && Object.keys(def).length > 0) out.push(checkManifest(def, `${where} definition`));
  if (p.file !== undefined && p.file !== null && !(isDict(p.file) && Object.keys(p.file).length === 0)) out.push(...fromFile(ctx, p.file, where));
  if (Array.isArray(p.files)) for (const f of p.files) out.push(...fromFile(ctx, f, where));
  if (out.length === 0) throw new NonRecoverableError(`${where}: nothing to apply: set definition, file or files`);
  return withNamespace(out, namespaceOption(p) ?? defaultNamespace);
}

/** `options.namespace` (or `namespace`) of a node. */
export function namespaceOption(p: Readonly<Record<string, Value>>): string | undefined {
  if (isDict(p.options) && typeof p.options.namespace === 'string' && p.options.namespace) return p.options.namespace;
  return typeof p.namespace === 'string' && p.namespace ? p.namespace : undefined;
}

/** Fills in the namespace of namespaced objects that have none. */
export function withNamespace(manifests: Manifest[], namespace: string): Manifest[] {
  for (const m of manifests) {
    if (isNamespaced(m.kind)) m.metadata.namespace ??= namespace;
    else delete m.metadata.namespace;
  }
  return manifests;
}

/** The runtime-property reference of a manifest. */
export function refOf(m: Manifest): ObjectRef {
  return { apiVersion: m.apiVersion, kind: m.kind, name: m.metadata.name, ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}) };
}

/** `Deployment default/web`. */
export function describeRef(r: ObjectRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** Deep merge for overrides: objects merge, anything else (lists included) replaces; null deletes. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isDict(override) || !isDict(base)) return structuredClone(override);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else out[k] = deepMerge(out[k], v);
  }
  return out;
}
