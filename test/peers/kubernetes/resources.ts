/**
 * The resource kinds the double serves, with discovery data and schema validation through
 * `kubernetes-models` (the real OpenAPI schemas compiled to validators).
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/** One served kind. `group` is '' for the core API. */
export interface ResourceKind {
  group: string;
  version: string;
  /** Plural, lower-case: the path segment. */
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  subresources?: string[];
  validate(body: Record<string, unknown>): void;
}

type Validatable = new (data: never) => { validate(): void };
const validator = (Model: Validatable) => (body: Record<string, unknown>) => new Model(body as never).validate();

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const KINDS: readonly ResourceKind[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], validate: validator(Namespace) },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], validate: validator(ConfigMap) },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, validate: validator(Secret) },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'], validate: validator(Service) },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], validate: validator(Pod) },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], subresources: ['scale', 'status'], validate: validator(Deployment) },
];

/** `v1` or `apps/v1`. */
export const groupVersion = (k: { group: string; version: string }) => (k.group ? `${k.group}/${k.version}` : k.version);

export function findKind(group: string, version: string, resource: string): ResourceKind | undefined {
  return KINDS.find((k) => k.group === group && k.version === version && k.resource === resource);
}

/** APIResourceList for one group/version, as `/api/v1` or `/apis/apps/v1` serve it. */
export function resourceList(group: string, version: string): Record<string, unknown> | undefined {
  const kinds = KINDS.filter((k) => k.group === group && k.version === version);
  if (kinds.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const k of kinds) {
    resources.push({ name: k.resource, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs: VERBS, ...(k.shortNames ? { shortNames: k.shortNames } : {}) });
    for (const sub of k.subresources ?? []) {
      resources.push({
        name: `${k.resource}/${sub}`,
        singularName: '',
        namespaced: k.namespaced,
        ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { kind: k.kind }),
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}

/** Validation error causes from a kubernetes-models ValidationError (ajv errors). */
export function validationCauses(error: unknown): { field: string; message: string }[] {
  const errors = (error as { errors?: { instancePath?: string; message?: string }[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return [{ field: '', message: error instanceof Error ? error.message : String(error) }];
  return errors.map((e) => ({ field: (e.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.'), message: e.message ?? 'invalid' }));
}
