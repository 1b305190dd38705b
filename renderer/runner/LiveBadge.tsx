/**
 * The live status badge the designer canvas shows on a node template while the runner
 * watches a deployment of the open blueprint: started/total, a spinner while an operation
 * runs, red with the error when one failed. Renders nothing otherwise.
 */
import { useMemo, type JSX } from 'react';
import { useDocumentStore } from '../state/document-store';
import { selectNodeStatus, useRunnerLiveStore } from '../state/runner-live-store';
import { useRunnerStore } from '../state/runner-store';
import './runner.css';

export function LiveBadge({ name }: { name: string }): JSX.Element | null {
  const selector = useMemo(() => selectNodeStatus(name), [name]);
  const status = useRunnerLiveStore(selector);
  const watched = useRunnerLiveStore((s) => s.deploymentId);
  const file = useDocumentStore((s) => s.filePath);
  const sameBlueprint = useRunnerStore((s) =>
    s.deployments.some((d) => d.id === watched && d.blueprintFile === file),
  );
  if (!status || !sameBlueprint || status.total === 0) return null;
  const started = status.byState.find(([s]) => s === 'started')?.[1] ?? 0;
  return (
    <span
      className={`live-badge tone-${status.tone}`}
      title={status.error ?? status.byState.map(([s, n]) => `${n} ${s}`).join(', ')}
      data-testid={`live-badge-${name}`}
    >
      {status.running > 0 && <span className="spinner" />}
      {started}/{status.total}
    </span>
  );
}
