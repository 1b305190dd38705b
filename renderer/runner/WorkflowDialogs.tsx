/** The runner's workflow dialogs: scale, heal, execute operation, confirm, dry-run preview. */
import { useMemo, useState, type JSX } from 'react';
import type { Value } from '../../engine/host/contract';
import { useRunnerLiveStore } from '../state/runner-live-store';
import { selectPlan, useRunnerStore, type RunnerDialog } from '../state/runner-store';
import { Modal } from './Modal';
import { runWorkflow } from './runner-actions';

const close = (): void => useRunnerStore.getState().openDialog(null);

/** A scale target: a node or a scaling group, with its bounds and current count. */
interface ScaleTarget {
  name: string;
  kind: 'node' | 'group';
  min: number;
  max: number;
  members: string[];
}

export function ScaleDialog(): JSX.Element {
  const plan = useRunnerStore(selectPlan);
  const instances = useRunnerLiveStore((s) => s.instances);
  const targets = useMemo<ScaleTarget[]>(() => {
    if (!plan) return [];
    const grouped = new Set(Object.values(plan.scalingGroups).flatMap((g) => g.members));
    const groups = Object.values(plan.scalingGroups).map((g) => ({
      name: g.name,
      kind: 'group' as const,
      min: g.properties.minInstances,
      max: g.properties.maxInstances,
      members: g.members,
    }));
    // Contained nodes scale with their host; offer the top-level ones that are not in a group.
    const nodes = plan.nodes
      .filter((n) => !grouped.has(n.name) && !n.containedIn)
      .map((n) => ({
        name: n.name,
        kind: 'node' as const,
        min: n.capabilities.scalable.minInstances,
        max: n.capabilities.scalable.maxInstances,
        members: [n.name],
      }));
    return [...nodes, ...groups];
  }, [plan]);
  const selectedNode = useRunnerStore((s) => s.selectedNode);
  const [name, setName] = useState(
    () =>
      targets.find((t) => t.name === selectedNode)?.name ??
      targets.find((t) => t.min !== t.max)?.name ??
      targets[0]?.name ??
      '',
  );
  const [deltaText, setDeltaText] = useState('1');
  const [remove, setRemove] = useState<string[]>([]);
  const target = targets.find((t) => t.name === name);
  const current = useMemo(() => {
    if (!target) return [];
    // A group counts its first member's instances (members scale together).
    const node = target.members[0];
    return Object.values(instances).filter((i) => i.nodeId === node && i.state !== 'deleted');
  }, [target, instances]);
  const delta = /^-?\d+$/.test(deltaText.trim()) ? Number(deltaText) : NaN;
  const planned = current.length + delta;
  const error = !target
    ? 'choose what to scale'
    : Number.isNaN(delta) || delta === 0
      ? 'delta must be a non-zero whole number'
      : planned < target.min
        ? `would leave ${planned}; min_instances is ${target.min}`
        : target.max !== -1 && planned > target.max
          ? `would make ${planned}; max_instances is ${target.max}`
          : remove.length > 0 && delta < 0 && remove.length !== -delta
            ? `pick ${-delta} instance(s) to remove, or none to let the engine choose`
            : undefined;
  const params = (): Record<string, Value> => ({
    scalable_entity_name: name,
    delta,
    ...(delta < 0 && remove.length > 0 ? { include_instances: remove } : {}),
  });

  return (
    <Modal
      title="Scale"
      onClose={close}
      testId="scale-dialog"
      footer={
        <>
          <button onClick={close}>Cancel</button>
          <button disabled={!!error} onClick={() => void runWorkflow('scale', params(), true)}>
            Preview
          </button>
          <button
            className="primary"
            disabled={!!error}
            data-testid="scale-submit"
            onClick={() => void runWorkflow('scale', params()).then((ok) => ok && close())}
          >
            Scale {delta > 0 ? 'out' : 'in'}
          </button>
        </>
      }
    >
      <div className="rfield">
        <label htmlFor="scale-target">Node or scaling group</label>
        <select
          id="scale-target"
          data-testid="scale-target"
          value={name}
          onChange={(e) => (setName(e.target.value), setRemove([]))}
        >
          {targets.map((t) => (
            <option key={t.name} value={t.name}>
              {t.kind === 'group' ? `group ${t.name}` : t.name}
            </option>
          ))}
        </select>
      </div>
      {target && (
        <div className="rstats" data-testid="scale-bounds">
          <span>
            current <b>{current.length}</b>
          </span>
          <span>
            min <b>{target.min}</b>
          </span>
          <span>
            max <b>{target.max === -1 ? '∞' : target.max}</b>
          </span>
          {!Number.isNaN(delta) && (
            <span>
              after <b>{planned}</b>
            </span>
          )}
        </div>
      )}
      <div className="rfield">
        <label htmlFor="scale-delta">Delta (negative scales in)</label>
        <input
          id="scale-delta"
          data-testid="scale-delta"
          type="number"
          value={deltaText}
          onChange={(e) => setDeltaText(e.target.value)}
          className={error ? 'invalid' : ''}
        />
        {error && <span className="rerr">{error}</span>}
      </div>
      {delta < 0 && (
        <div className="rfield">
          <label>Instances to remove (optional)</label>
          <div className="rchecks">
            {current.map((i) => (
              <label key={i.id} className="rcheck">
                <input
                  type="checkbox"
                  checked={remove.includes(i.id)}
                  onChange={(e) =>
                    setRemove(
                      e.target.checked ? [...remove, i.id] : remove.filter((x) => x !== i.id),
                    )
                  }
                />
                <span className="mono">{i.id}</span> <span className="muted">{i.state}</span>
              </label>
            ))}
          </div>
        </div>
      )}
    </Modal>
  );
}

export function HealDialog({ instanceId }: { instanceId?: string }): JSX.Element {
  const instances = useRunnerLiveStore((s) => s.instances);
  const list = useMemo(
    () =>
      Object.values(instances)
        .filter((i) => i.state !== 'deleted')
        .sort(
          (a, b) =>
            Number(b.error !== undefined) - Number(a.error !== undefined) ||
            a.id.localeCompare(b.id),
        ),
    [instances],
  );
  const [id, setId] = useState(instanceId ?? list[0]?.id ?? '');
  return (
    <Modal
      title="Heal an instance"
      onClose={close}
      testId="heal-dialog"
      footer={
        <>
          <button onClick={close}>Cancel</button>
          <button
            disabled={!id}
            onClick={() => void runWorkflow('heal', { node_instance_id: id }, true)}
          >
            Preview
          </button>
          <button
            className="primary danger"
            disabled={!id}
            data-testid="heal-submit"
            onClick={() =>
              void runWorkflow('heal', { node_instance_id: id }).then((ok) => ok && close())
            }
          >
            Heal
          </button>
        </>
      }
    >
      <p className="rhint">
        Heal restarts the instance with its heal operation where its type has one, otherwise
        reinstalls it and everything inside it.
      </p>
      <div className="rfield">
        <label htmlFor="heal-instance">Instance</label>
        <select
          id="heal-instance"
          data-testid="heal-instance"
          value={id}
          onChange={(e) => setId(e.target.value)}
        >
          {list.map((i) => (
            <option key={i.id} value={i.id}>
              {i.id} ({i.state}
              {i.error ? ', failed' : ''})
            </option>
          ))}
        </select>
      </div>
    </Modal>
  );
}

export function ExecuteDialog(): JSX.Element {
  const plan = useRunnerStore(selectPlan);
  const operations = useMemo(() => {
    const set = new Set<string>();
    for (const n of plan?.nodes ?? [])
      for (const [iface, ops] of Object.entries(n.operations))
        for (const op of Object.keys(ops)) set.add(`${iface}.${op}`);
    return [...set].sort();
  }, [plan]);
  const [operation, setOperation] = useState('');
  const [nodes, setNodes] = useState<string[]>([]);
  const [inputs, setInputs] = useState('{}');
  const [ordered, setOrdered] = useState(false);
  let parsed: Record<string, Value> | undefined;
  try {
    const v = JSON.parse(inputs) as Value;
    if (v && typeof v === 'object' && !Array.isArray(v)) parsed = v;
  } catch {
    parsed = undefined;
  }
  const error =
    operation.trim() === ''
      ? 'name an operation'
      : parsed === undefined
        ? 'inputs must be a JSON object'
        : undefined;
  const params = (): Record<string, Value> => ({
    operation: operation.trim(),
    operation_kwargs: parsed ?? {},
    ...(nodes.length ? { node_ids: nodes } : {}),
    ...(ordered ? { run_by_dependency_order: true } : {}),
  });
  return (
    <Modal
      title="Execute an operation"
      onClose={close}
      testId="execute-dialog"
      footer={
        <>
          <button onClick={close}>Cancel</button>
          <button
            disabled={!!error}
            onClick={() => void runWorkflow('execute_operation', params(), true)}
          >
            Preview
          </button>
          <button
            className="primary"
            disabled={!!error}
            onClick={() =>
              void runWorkflow('execute_operation', params()).then((ok) => ok && close())
            }
          >
            Execute
          </button>
        </>
      }
    >
      <div className="rfield">
        <label htmlFor="exec-op">Operation</label>
        <input
          id="exec-op"
          list="exec-ops"
          value={operation}
          onChange={(e) => setOperation(e.target.value)}
          placeholder="cloudify.interfaces.lifecycle.configure"
        />
        <datalist id="exec-ops">
          {operations.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      </div>
      <div className="rfield">
        <label>Nodes (none = all)</label>
        <div className="rchecks">
          {(plan?.nodes ?? []).map((n) => (
            <label key={n.name} className="rcheck">
              <input
                type="checkbox"
                checked={nodes.includes(n.name)}
                onChange={(e) =>
                  setNodes(
                    e.target.checked ? [...nodes, n.name] : nodes.filter((x) => x !== n.name),
                  )
                }
              />
              {n.name}
            </label>
          ))}
        </div>
      </div>
      <div className="rfield">
        <label htmlFor="exec-inputs">Inputs (JSON)</label>
        <textarea
          id="exec-inputs"
          rows={3}
          className={`mono${parsed === undefined ? ' invalid' : ''}`}
          value={inputs}
          onChange={(e) => setInputs(e.target.value)}
        />
      </div>
      <label className="rcheck">
        <input type="checkbox" checked={ordered} onChange={(e) => setOrdered(e.target.checked)} />{' '}
        in dependency order
      </label>
      {error && <span className="rerr">{error}</span>}
    </Modal>
  );
}

export function ConfirmDialog({
  dialog,
}: {
  dialog: Extract<RunnerDialog, { kind: 'confirm' }>;
}): JSX.Element {
  return (
    <Modal
      title={dialog.title}
      onClose={close}
      testId="confirm-dialog"
      footer={
        <>
          <button onClick={close} autoFocus>
            Cancel
          </button>
          <button
            className="primary danger"
            data-testid="confirm-ok"
            onClick={() => {
              close();
              dialog.action();
            }}
          >
            {dialog.confirmLabel}
          </button>
        </>
      }
    >
      <p>{dialog.body}</p>
    </Modal>
  );
}

/** The task graph a dry run returned, in dependency levels (what can run together). */
export function DryRunDialog({
  dialog,
}: {
  dialog: Extract<RunnerDialog, { kind: 'dryRun' }>;
}): JSX.Element {
  const levels = useMemo(() => {
    const level = new Map<string, number>();
    const byId = new Map(dialog.tasks.map((t) => [t.id, t]));
    const depth = (id: string, seen: Set<string>): number => {
      const known = level.get(id);
      if (known !== undefined) return known;
      if (seen.has(id)) return 0;
      seen.add(id);
      const t = byId.get(id);
      const d =
        t && t.dependsOn.length ? 1 + Math.max(...t.dependsOn.map((x) => depth(x, seen))) : 0;
      level.set(id, d);
      return d;
    };
    const out: (typeof dialog.tasks)[] = [];
    for (const t of dialog.tasks) (out[depth(t.id, new Set())] ??= []).push(t);
    return out.filter(Boolean);
  }, [dialog]);
  const ops = dialog.tasks.filter((t) => t.operation).length;
  // Operations are what a user plans around; state changes and markers on request.
  const [all, setAll] = useState(false);
  const shown = useMemo(
    () =>
      levels
        .map((tasks) => (all ? tasks : tasks.filter((t) => t.operation)))
        .filter((l) => l.length > 0),
    [levels, all],
  );
  const label = (t: (typeof dialog.tasks)[number]): string => {
    if (t.operation) return t.operation.split('.').pop() ?? t.operation;
    // Task names repeat the instance id the chip already shows in bold.
    return t.instanceId && t.name.startsWith(`${t.instanceId}: `)
      ? t.name.slice(t.instanceId.length + 2)
      : t.name;
  };
  return (
    <Modal
      title={`Dry run: ${dialog.workflow}`}
      onClose={close}
      testId="dry-run-dialog"
      wide
      footer={
        <>
          <label className="rcheck" style={{ marginRight: 'auto' }}>
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> show
            state changes and markers
          </label>
          <button className="primary" onClick={close}>
            Close
          </button>
        </>
      }
    >
      <p className="rhint">
        {dialog.tasks.length} tasks ({ops} operations) in {levels.length} steps. Nothing was run.
        {!all && ' Operations that can run together share a line.'}
      </p>
      {shown.length === 0 && <p className="rhint">No operations would run.</p>}
      <ol className="rdry">
        {shown.map((tasks, i) => (
          <li key={i}>
            {tasks.map((t) => (
              <span
                key={t.id}
                className={`rtask${t.operation ? ' op' : ''}`}
                title={`${t.id}${t.dependsOn.length ? `\nafter ${t.dependsOn.join(', ')}` : ''}`}
              >
                {t.instanceId ? <b>{t.instanceId}</b> : null} {label(t)}
              </span>
            ))}
          </li>
        ))}
      </ol>
    </Modal>
  );
}
