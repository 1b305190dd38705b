/**
 * The inspector: a form for the selected node template generated from its type's property
 * schemas (type-aware inputs, defaults shown, required marked, constraints checked as you
 * type), a value mode per property (plain, input, secret, property, attribute, capability,
 * raw YAML), its relationships and interface operations, and rename. Every change is an
 * EditOp; the form itself holds only drafts.
 */
import { useEffect, useMemo, useState, type JSX, type KeyboardEvent } from 'react';
import { stringify } from 'yaml';
import type { PropertySchema, TypeInfo } from '../../engine/host/contract';
import { useCatalogStore } from '../state/catalog-store';
import { useProblemsStore } from '../state/problems-store';
import { useProjectionStore } from '../state/projection-store';
import { useSelectionStore } from '../state/selection-store';
import { renameTemplate, runEdits } from './edit-actions';
import type { TemplateModel } from './model';
import { checkConstraints, emptyValue, modeOf, parsePlain, plainText } from './property-values';
import { ValueMode, type PropertyValue } from './yaml-edit/edit-ops';

const modeLabels: Record<ValueMode, string> = {
  plain: 'Value',
  input: 'Input',
  secret: 'Secret',
  property: 'Property',
  attribute: 'Attribute',
  capability: 'Capability',
  raw: 'YAML',
};

function onEnter(commit: () => void) {
  return (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !(e.target instanceof HTMLTextAreaElement && !e.ctrlKey)) {
      e.preventDefault();
      commit();
    }
  };
}

export function Inspector(): JSX.Element {
  const selected = useSelectionStore((s) => s.nodes);
  const edge = useSelectionStore((s) => s.edge);
  const model = useProjectionStore((s) => s.model);
  const byName = useCatalogStore((s) => s.byName);
  const name = edge ? edge.source : selected.length === 1 ? selected[0] : undefined;
  const template = model?.templates.find((t) => t.name === name);
  return (
    <aside className="pane inspector" data-testid="inspector" aria-label="Inspector">
      <div className="pane-header">Inspector</div>
      <div className="pane-body">
        {!template && (
          <div className="empty-note">
            {selected.length > 1
              ? `${selected.length} templates selected. Delete, copy or duplicate them together.`
              : 'Select a node template on the canvas (or put the cursor in it in the YAML) to edit its name, properties, relationships and operations.'}
          </div>
        )}
        {template && <TemplateForm key={template.name} template={template} info={byName.get(template.type)} names={model!.templates.map((t) => t.name)} inputs={model!.inputs} />}
      </div>
    </aside>
  );
}

function TemplateForm({ template, info, names, inputs }: { template: TemplateModel; info: TypeInfo | undefined; names: string[]; inputs: string[] }): JSX.Element {
  const [draftName, setDraftName] = useState(template.name);
  const [instances, setInstances] = useState(String(template.instances));
  useEffect(() => setInstances(String(template.instances)), [template.instances]);
  const byName = useCatalogStore((s) => s.byName);
  const catalog = useCatalogStore((s) => s.catalog);
  const problems = useProblemsStore((s) => s.problems);
  const prefix = `node_templates.${template.name}`;
  const mine = useMemo(() => problems.filter((p) => p.path === prefix || p.path.startsWith(prefix + '.')), [problems, prefix]);
  const schemas = info?.properties ?? {};
  const propNames = useMemo(() => [...new Set([...Object.keys(schemas), ...Object.keys(template.properties)])], [schemas, template.properties]);
  const nodeTypes = useMemo(() => (catalog?.types ?? []).filter((t) => t.kind === 'node').map((t) => t.name), [catalog]);
  const relTypes = useMemo(() => (catalog?.types ?? []).filter((t) => t.kind === 'relationship').map((t) => t.name), [catalog]);
  const interfaces = useMemo(() => {
    const out = new Map<string, Set<string>>();
    for (const [iface, ops] of Object.entries(info?.interfaces ?? {})) out.set(iface, new Set(ops));
    for (const [iface, ops] of Object.entries(template.interfaces)) {
      const set = out.get(iface) ?? new Set<string>();
      for (const op of Object.keys(ops ?? {})) set.add(op);
      out.set(iface, set);
    }
    return out;
  }, [info, template.interfaces]);

  const commitName = (): void => {
    if (draftName !== template.name && !renameTemplate(template.name, draftName)) setDraftName(template.name);
  };
  const commitInstances = (): void => {
    const n = Number(instances);
    if (Number.isInteger(n) && n >= 0 && n !== template.instances) runEdits([{ kind: 'setInstances', node: template.name, count: n }]);
  };

  return (
    <>
      <section>
        <h3>Node template</h3>
        <div className="row">
          <label htmlFor="insp-name">Name</label>
          <input id="insp-name" data-testid="inspector-name" value={draftName} onChange={(e) => setDraftName(e.target.value)} onBlur={commitName} onKeyDown={onEnter(commitName)} />
        </div>
        <div className="row">
          <label htmlFor="insp-type">Type</label>
          <input
            id="insp-type"
            list="insp-node-types"
            defaultValue={template.type}
            key={template.type}
            onBlur={(e) => e.target.value !== template.type && runEdits([{ kind: 'setNodeType', name: template.name, type: e.target.value }])}
          />
          <datalist id="insp-node-types">
            {nodeTypes.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          {info?.description && <div className="hint">{info.description}</div>}
        </div>
        <div className="row">
          <label htmlFor="insp-instances">Instances</label>
          <input id="insp-instances" type="number" min={0} value={instances} onChange={(e) => setInstances(e.target.value)} onBlur={commitInstances} onKeyDown={onEnter(commitInstances)} />
        </div>
        {mine.length > 0 && (
          <div className="row">
            {mine.map((p, i) => (
              <div key={i} className="problem">
                {p.message}
              </div>
            ))}
          </div>
        )}
      </section>
      <section>
        <h3>Properties</h3>
        {propNames.length === 0 && <div className="hint">This type declares no properties.</div>}
        {propNames.map((prop) => (
          <PropertyRow key={prop} node={template.name} name={prop} schema={schemas[prop]} value={template.properties[prop]} present={prop in template.properties} names={names} inputs={inputs} />
        ))}
      </section>
      <section>
        <h3>Relationships</h3>
        {template.relationships.length === 0 && <div className="hint">None. Drag from this node&apos;s right handle to another node to add one.</div>}
        {template.relationships.map((r) => (
          <div className="row" key={r.index}>
            <div className="value">
              <select
                value={r.type}
                aria-label="Relationship type"
                onChange={(e) => runEdits([{ kind: 'setRelationship', source: template.name, index: r.index, type: e.target.value }])}
              >
                {[...new Set([r.type, ...relTypes])].map((t) => (
                  <option key={t} value={t}>
                    {t.replace('cloudify.relationships.', '')}
                  </option>
                ))}
              </select>
              <select
                value={r.target}
                aria-label="Relationship target"
                onChange={(e) => runEdits([{ kind: 'setRelationship', source: template.name, index: r.index, target: e.target.value }])}
              >
                {[...new Set([r.target, ...names.filter((n) => n !== template.name)])].map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
              <button className="ghost" title="Remove relationship" onClick={() => runEdits([{ kind: 'removeRelationship', source: template.name, index: r.index }])}>
                ✕
              </button>
            </div>
            <div className="hint">{byName.get(r.type)?.description ?? ''}</div>
          </div>
        ))}
      </section>
      <section>
        <h3>Operations</h3>
        {interfaces.size === 0 && <div className="hint">This type has no interfaces.</div>}
        {[...interfaces.entries()].map(([iface, ops]) => (
          <div key={iface}>
            <div className="hint">{iface}</div>
            {[...ops].map((op) => (
              <OperationRow key={op} node={template.name} iface={iface} op={op} value={template.interfaces[iface]?.[op]} />
            ))}
          </div>
        ))}
      </section>
    </>
  );
}

function OperationRow({ node, iface, op, value }: { node: string; iface: string; op: string; value: unknown }): JSX.Element {
  const impl = value && typeof value === 'object' ? (value as { implementation?: unknown }).implementation : value;
  const current = typeof impl === 'string' ? impl : '';
  const [draft, setDraft] = useState(current);
  useEffect(() => setDraft(current), [current]);
  const commit = (): void => {
    if (draft === current) return;
    if (draft.trim() === '') runEdits([{ kind: 'removeInterfaceOperation', node, interface: iface, operation: op }]);
    else runEdits([{ kind: 'setInterfaceOperation', node, interface: iface, operation: op, implementation: draft.trim() }]);
  };
  return (
    <div className="row">
      <label>{op}</label>
      <input value={draft} placeholder="script path or plugin.operation" onChange={(e) => setDraft(e.target.value)} onBlur={commit} onKeyDown={onEnter(commit)} />
    </div>
  );
}

interface PropertyRowProps {
  node: string;
  name: string;
  schema: PropertySchema | undefined;
  value: unknown;
  present: boolean;
  names: string[];
  inputs: string[];
}

function PropertyRow({ node, name, schema, value, present, names, inputs }: PropertyRowProps): JSX.Element {
  const initial = present ? modeOf(value) : emptyValue('plain');
  const [mode, setMode] = useState<ValueMode>(initial.mode);
  useEffect(() => setMode(present ? modeOf(value).mode : 'plain'), [present, value]);
  const structured = schema?.type === 'list' || schema?.type === 'dict' || (present && value !== null && typeof value === 'object' && initial.mode === 'raw');
  const missing = schema?.required === true && schema.default === undefined && !present;
  const id = `prop-${node}-${name}`;

  const write = (v: PropertyValue): void => void runEdits([{ kind: 'setProperty', node, property: name, value: v }]);

  let editor: JSX.Element;
  const effectiveMode = mode === 'plain' && structured ? 'raw' : mode;
  switch (effectiveMode) {
    case 'plain':
      editor = <PlainEditor id={id} schema={schema} value={present ? value : undefined} onCommit={(v) => write({ mode: 'plain', value: v })} />;
      break;
    case 'raw':
      editor = <TextEditor id={id} multiline initial={present && value !== undefined ? stringify(value).trimEnd() : ''} placeholder="YAML" onCommit={(t) => write({ mode: 'raw', yaml: t })} />;
      break;
    case 'input': {
      const cur = initial.mode === 'input' ? initial.input : '';
      editor = (
        <>
          <TextEditor id={id} initial={cur} list={`${id}-inputs`} placeholder="input name" onCommit={(t) => write({ mode: 'input', input: t })} />
          <datalist id={`${id}-inputs`}>
            {inputs.map((i) => (
              <option key={i} value={i} />
            ))}
          </datalist>
        </>
      );
      break;
    }
    case 'secret':
      editor = <TextEditor id={id} initial={initial.mode === 'secret' ? initial.secret : ''} placeholder="secret name" onCommit={(t) => write({ mode: 'secret', secret: t })} />;
      break;
    case 'property':
    case 'attribute': {
      const cur = initial.mode === effectiveMode ? initial : { node: 'SELF', path: [] as string[] };
      editor = (
        <RefEditor
          id={id}
          nodes={['SELF', 'SOURCE', 'TARGET', ...names]}
          node={cur.node}
          path={cur.path.join('.')}
          onCommit={(n, p) => write({ mode: effectiveMode, node: n, path: p ? p.split('.') : [] })}
        />
      );
      break;
    }
    case 'capability': {
      const cur = initial.mode === 'capability' ? initial : { deployment: '', capability: '' };
      editor = (
        <CapabilityEditor id={id} deployment={cur.deployment} capability={cur.capability} onCommit={(d, c) => write({ mode: 'capability', deployment: d, capability: c })} />
      );
      break;
    }
  }

  return (
    <div className="row" data-testid={`prop-${name}`}>
      <label htmlFor={id}>
        {name}
        {schema?.required && (
          <span className="req" title="Required">
            *
          </span>
        )}
        <span className="spacer" style={{ flex: 1 }} />
        <select className="mode" aria-label={`${name} value mode`} value={mode} onChange={(e) => setMode(e.target.value as ValueMode)}>
          {Object.values(ValueMode).map((m) => (
            <option key={m} value={m}>
              {modeLabels[m]}
            </option>
          ))}
        </select>
        {present && (
          <button className="ghost" title="Remove (use the default)" onClick={() => runEdits([{ kind: 'removeProperty', node, property: name }])}>
            ✕
          </button>
        )}
      </label>
      <div className="value">{editor}</div>
      {missing && <div className="problem">Required, no default: set a value.</div>}
      {schema?.description && <div className="hint">{schema.description}</div>}
      {schema?.default !== undefined && <div className="hint">Default: {plainText(schema.default)}</div>}
    </div>
  );
}

function PlainEditor({ id, schema, value, onCommit }: { id: string; schema: PropertySchema | undefined; value: unknown; onCommit: (v: string | number | boolean) => void }): JSX.Element {
  const text = plainText(value);
  const [draft, setDraft] = useState(text);
  useEffect(() => setDraft(text), [text]);
  const parsed = draft === '' && value === undefined ? null : parsePlain(draft, schema);
  const problem = parsed && 'error' in parsed ? parsed.error : parsed ? checkConstraints(parsed.value, schema) : null;
  const commit = (): void => {
    if (draft === text || !parsed || 'error' in parsed || problem) return;
    onCommit(parsed.value as string | number | boolean);
  };
  const validValues = schema?.constraints?.find((c) => c.operator === 'valid_values')?.value;
  if (schema?.type === 'boolean') {
    return (
      <select id={id} value={text} onChange={(e) => onCommit(e.target.value === 'true')}>
        <option value="" disabled>
          {schema.default !== undefined ? `default (${plainText(schema.default)})` : 'choose'}
        </option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  }
  if (Array.isArray(validValues)) {
    return (
      <select id={id} value={text} onChange={(e) => onCommit((parsePlain(e.target.value, schema) as { value: string | number }).value)}>
        <option value="" disabled>
          {schema?.default !== undefined ? `default (${plainText(schema.default)})` : 'choose'}
        </option>
        {validValues.map((v) => (
          <option key={plainText(v)} value={plainText(v)}>
            {plainText(v)}
          </option>
        ))}
      </select>
    );
  }
  return (
    <div style={{ flex: 1, display: 'flex', flexDirection: 'column' }}>
      <input
        id={id}
        className={problem ? 'invalid' : ''}
        type={schema?.type === 'integer' || schema?.type === 'float' ? 'text' : 'text'}
        inputMode={schema?.type === 'integer' || schema?.type === 'float' ? 'decimal' : 'text'}
        value={draft}
        placeholder={schema?.default !== undefined ? plainText(schema.default) : (schema?.type ?? 'string')}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={onEnter(commit)}
        aria-invalid={problem ? true : undefined}
      />
      {problem && <span className="problem">{problem}</span>}
    </div>
  );
}

function TextEditor(props: { id: string; initial: string; placeholder: string; multiline?: boolean; list?: string; onCommit: (text: string) => void }): JSX.Element {
  const [draft, setDraft] = useState(props.initial);
  useEffect(() => setDraft(props.initial), [props.initial]);
  const commit = (): void => {
    if (draft !== props.initial && draft.trim() !== '') props.onCommit(draft);
  };
  return props.multiline ? (
    <textarea id={props.id} rows={3} value={draft} placeholder={`${props.placeholder} (Ctrl+Enter to apply)`} onChange={(e) => setDraft(e.target.value)} onBlur={commit} onKeyDown={onEnter(commit)} />
  ) : (
    <input id={props.id} list={props.list} value={draft} placeholder={props.placeholder} onChange={(e) => setDraft(e.target.value)} onBlur={commit} onKeyDown={onEnter(commit)} />
  );
}

function RefEditor(props: { id: string; nodes: string[]; node: string; path: string; onCommit: (node: string, path: string) => void }): JSX.Element {
  const [node, setNode] = useState(props.node);
  const [path, setPath] = useState(props.path);
  const commit = (n = node): void => {
    if (path.trim() !== '' && (n !== props.node || path !== props.path)) props.onCommit(n, path.trim());
  };
  return (
    <>
      <select
        aria-label="Node"
        value={node}
        onChange={(e) => {
          setNode(e.target.value);
          commit(e.target.value);
        }}
      >
        {[...new Set([node, ...props.nodes])].map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      <input id={props.id} value={path} placeholder="property.path" onChange={(e) => setPath(e.target.value)} onBlur={() => commit()} onKeyDown={onEnter(() => commit())} />
    </>
  );
}

function CapabilityEditor(props: { id: string; deployment: string; capability: string; onCommit: (d: string, c: string) => void }): JSX.Element {
  const [d, setD] = useState(props.deployment);
  const [c, setC] = useState(props.capability);
  const commit = (): void => {
    if (d.trim() && c.trim() && (d !== props.deployment || c !== props.capability)) props.onCommit(d.trim(), c.trim());
  };
  return (
    <>
      <input id={props.id} value={d} placeholder="deployment" onChange={(e) => setD(e.target.value)} onBlur={commit} onKeyDown={onEnter(commit)} />
      <input value={c} placeholder="capability" onChange={(e) => setC(e.target.value)} onBlur={commit} onKeyDown={onEnter(commit)} />
    </>
  );
}
