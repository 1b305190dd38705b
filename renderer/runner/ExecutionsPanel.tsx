/** Execution history (durations, progress, cancel / force-cancel / resume) and the selected execution's task timeline. */
import { useEffect, useMemo, useState, type JSX } from 'react';
import type { ExecutionDetail, ExecutionSummary } from '../../engine/host/contract';
import { useRunnerStore } from '../state/runner-store';
import { call, cancelExecution, resumeExecution } from './runner-actions';
import { durationMs, formatDuration, progressOf, timelineBars } from './timeline';

const active = (e: ExecutionSummary): boolean =>
  ['pending', 'queued', 'started', 'cancelling', 'force_cancelling'].includes(e.status);

function confirmForceCancel(e: ExecutionSummary): void {
  useRunnerStore.getState().openDialog({
    kind: 'confirm',
    title: 'Force-cancel the execution?',
    body: `${e.workflow} stops at once: running operations are abandoned and may leave resources half made. Resume or heal afterwards.`,
    confirmLabel: 'Force-cancel',
    action: () => void cancelExecution(e.id, true),
  });
}

export function ExecutionActions({ e }: { e: ExecutionSummary }): JSX.Element | null {
  if (active(e))
    return (
      <>
        <button
          className="small"
          onClick={() => void cancelExecution(e.id, false)}
          disabled={e.status === 'cancelling' || e.status === 'force_cancelling'}
          data-testid="cancel-execution"
        >
          Cancel
        </button>
        <button className="small danger-text" onClick={() => confirmForceCancel(e)}>
          Force-cancel
        </button>
      </>
    );
  if ((e.status === 'failed' || e.status === 'cancelled') && !e.dryRun)
    return (
      <button
        className="small"
        onClick={() => void resumeExecution(e.id)}
        data-testid="resume-execution"
      >
        Resume
      </button>
    );
  return null;
}

function Timeline({ id }: { id: string }): JSX.Element {
  const summary = useRunnerStore((s) => s.executions.find((e) => e.id === id));
  const [detail, setDetail] = useState<ExecutionDetail | null>(null);
  const [now, setNow] = useState(Date.now());
  const running = summary ? active(summary) : false;
  const endedAt = summary?.endedAt;
  useEffect(() => {
    let live = true;
    const load = (): void =>
      void call('executions.get', { executionId: id }, true).then(
        (d) => live && d && (setDetail(d), setNow(Date.now())),
      );
    load();
    const t = running ? setInterval(load, 1000) : undefined;
    return () => {
      live = false;
      if (t) clearInterval(t);
    };
  }, [id, running, endedAt]);
  const { bars, spanMs } = useMemo(
    () => (detail ? timelineBars(detail, detail.tasks, now) : { bars: [], spanMs: 0 }),
    [detail, now],
  );
  if (!detail) return <div className="rempty small">Loading…</div>;
  return (
    <div className="gantt" data-testid="timeline">
      <div className="gantt-head">
        <b>{detail.workflow}</b> {detail.status} · {bars.length} operation
        {bars.length === 1 ? '' : 's'} over {formatDuration(spanMs)}
        {detail.error && <span className="rerr"> · {detail.error}</span>}
      </div>
      {bars.length === 0 && (
        <div className="rempty small">No operation ran{detail.dryRun ? ' (dry run)' : ''}.</div>
      )}
      <div className="gantt-rows">
        {bars.map((b) => (
          <div
            key={b.task.id}
            className="gantt-row"
            title={`${b.task.name}\n${b.task.status}${b.task.error ? `: ${b.task.error}` : ''}\n${formatDuration(durationMs(b.task.startedAt, b.task.endedAt, now))}`}
          >
            <span className="gantt-label">{b.label}</span>
            <span className="gantt-track">
              <span
                className={`gantt-bar ts-${b.task.status}`}
                style={{ left: `${b.left * 100}%`, width: `${b.width * 100}%` }}
              />
            </span>
          </div>
        ))}
      </div>
    </div>
  );
}

export function ExecutionsPanel(): JSX.Element {
  const executions = useRunnerStore((s) => s.executions);
  const selected = useRunnerStore((s) => s.selectedExecutionId);
  const [, tick] = useState(0);
  const anyActive = executions.some(active);
  useEffect(() => {
    if (!anyActive) return;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [anyActive]);
  const shown = selected ?? executions[0]?.id ?? null;
  if (executions.length === 0)
    return <div className="rempty">No executions yet. Run Install to start one.</div>;
  return (
    <div className="executions" data-testid="executions">
      <div className="exec-list">
        <table className="rtable">
          <thead>
            <tr>
              <th>Workflow</th>
              <th>Status</th>
              <th>By</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Progress</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {executions.map((e) => (
              <tr
                key={e.id}
                className={e.id === shown ? 'sel' : ''}
                onClick={() => useRunnerStore.getState().selectExecution(e.id)}
                data-testid={`execution-${e.workflow}`}
              >
                <td>
                  {e.workflow}
                  {e.dryRun ? ' (dry run)' : ''}
                </td>
                <td>
                  <span className={`xstatus xs-${e.status}`} title={e.error}>
                    {e.status}
                  </span>
                </td>
                <td className="muted">{e.triggeredBy}</td>
                <td className="muted">{(e.startedAt ?? e.createdAt).slice(11, 19)}</td>
                <td>{formatDuration(durationMs(e.startedAt, e.endedAt))}</td>
                <td>
                  <span className="pbar small">
                    <span style={{ width: `${progressOf(e.taskCounts) * 100}%` }} />
                  </span>
                </td>
                <td onClick={(ev) => ev.stopPropagation()}>
                  <ExecutionActions e={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown && <Timeline id={shown} />}
    </div>
  );
}
