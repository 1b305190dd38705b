/**
 * The designer's palette: every node and relationship type a document can use (core,
 * plugin libraries it imports, and its own), resolved through inheritance.
 */
import type { TypeCatalog, TypeInfo } from '../host/contract';
import { loadBlueprint } from './imports';
import type { ImportOptions } from './imports';
import { Reporter } from './read';
import { TypeRegistry } from './types';
import type { Interfaces, ResolvedType } from './types';

export type TypeCatalogOptions = ImportOptions;

/** Reads the document and its imports and lists the types visible to it. */
export function buildTypeCatalog(options: TypeCatalogOptions): TypeCatalog {
  const reporter = new Reporter();
  const bp = loadBlueprint(options, reporter);
  const registry = new TypeRegistry(bp, reporter);
  registry.resolveAll();
  const types: TypeInfo[] = [];
  for (const name of registry.nodeTypeNames()) {
    const t = registry.nodeType(name);
    if (t) types.push(info(t, 'node', t.interfaces));
  }
  for (const name of registry.relationshipTypeNames()) {
    const t = registry.relationshipType(name);
    if (!t) continue;
    const merged: Interfaces = {};
    for (const ifaces of [t.sourceInterfaces, t.targetInterfaces]) {
      for (const [iface, ops] of Object.entries(ifaces)) merged[iface] = { ...(merged[iface] ?? {}), ...ops };
    }
    const entry = info(t, 'relationship', merged);
    if (t.kind) entry.relationshipKind = t.kind;
    types.push(entry);
  }
  const dataTypes: TypeCatalog['dataTypes'] = {};
  for (const name of bp.sections.data_types.keys()) {
    const dt = registry.dataType(name);
    if (!dt) continue;
    dataTypes[name] = { properties: dt.properties, ...(dt.description !== undefined ? { description: dt.description } : {}) };
  }
  return { types, dataTypes, problems: reporter.problems };
}

function info(t: ResolvedType, kind: TypeInfo['kind'], interfaces: Interfaces): TypeInfo {
  const out: TypeInfo = {
    name: t.name,
    kind,
    hierarchy: t.hierarchy,
    library: t.library,
    properties: t.properties,
    interfaces: Object.fromEntries(Object.entries(interfaces).map(([k, ops]) => [k, Object.keys(ops)])),
  };
  if (t.description !== undefined) out.description = t.description;
  return out;
}
