/**
 * The Runner tab: deployments on the left; the selected deployment's actions, live graph
 * and a bottom pane (events, executions, metrics) in the middle; the clicked node's
 * instances and events on the right.
 */
import { useEffect, type JSX } from 'react';
import { useRunnerStore } from '../state/runner-store';
import { useUiStore } from '../state/ui-store';
import { useEffectiveTheme } from '../ui/theme';
import { CreateDeploymentDialog } from './CreateDeploymentDialog';
import { DeploymentsPanel } from './DeploymentsPanel';
import { EventStream } from './EventStream';
import { ExecutionsPanel } from './ExecutionsPanel';
import { LiveGraph } from './LiveGraph';
import { MetricsPanel } from './MetricsPanel';
import { NodeDetails } from './NodeDetails';
import { resumeInterrupted, startRunner } from './runner-actions';
import { WorkflowBar } from './WorkflowBar';
import {
  ConfirmDialog,
  DryRunDialog,
  ExecuteDialog,
  HealDialog,
  ScaleDialog,
} from './WorkflowDialogs';
import './runner.css';

/** After an engine restart (desktop): the executions it interrupted, with Resume. */
function InterruptedBanner(): JSX.Element | null {
  const interrupted = useRunnerStore((s) => s.interrupted);
  const ready = useRunnerStore((s) => s.engineReady);
  if (interrupted.length === 0) return null;
  return (
    <div className="rbanner" role="alert" data-testid="interrupted">
      The engine restarted; {interrupted.length} execution
      {interrupted.length === 1 ? ' was' : 's were'} interrupted (
      {interrupted.map((e) => `${e.workflow} on ${e.deploymentId}`).join(', ')}).
      <button className="primary small" disabled={!ready} onClick={() => void resumeInterrupted()}>
        Resume
      </button>
      <button className="ghost small" onClick={() => useRunnerStore.getState().setInterrupted([])}>
        Dismiss
      </button>
    </div>
  );
}

function Dialogs(): JSX.Element | null {
  const dialog = useRunnerStore((s) => s.dialog);
  switch (dialog?.kind) {
    case 'create':
      return <CreateDeploymentDialog />;
    case 'scale':
      return <ScaleDialog />;
    case 'heal':
      return <HealDialog {...(dialog.instanceId ? { instanceId: dialog.instanceId } : {})} />;
    case 'execute':
      return <ExecuteDialog />;
    case 'confirm':
      return <ConfirmDialog dialog={dialog} />;
    case 'dryRun':
      return <DryRunDialog dialog={dialog} />;
    default:
      return null;
  }
}

const tabs = [
  { id: 'events', label: 'Events' },
  { id: 'executions', label: 'Executions' },
  { id: 'metrics', label: 'Metrics' },
] as const;

export function RunnerView(): JSX.Element {
  const theme = useEffectiveTheme(useUiStore((s) => s.theme));
  const tab = useRunnerStore((s) => s.tab);
  const node = useRunnerStore((s) => s.selectedNode);
  // The subscription outlives the tab (events keep arriving while the designer shows).
  useEffect(() => void startRunner(), []);
  return (
    <div className="runner" data-testid="runner">
      <DeploymentsPanel />
      <div className="rmain">
        <InterruptedBanner />
        <WorkflowBar />
        <div className="rgraph-row">
          <LiveGraph theme={theme} />
          {node && <NodeDetails node={node} />}
        </div>
        <div className="rbottom">
          <div className="rtabs" role="tablist">
            {tabs.map((t) => (
              <button
                key={t.id}
                role="tab"
                aria-selected={tab === t.id}
                onClick={() => useRunnerStore.getState().setTab(t.id)}
                data-testid={`tab-${t.id}`}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div className="rbottom-body">
            {tab === 'events' && <EventStream />}
            {tab === 'executions' && <ExecutionsPanel />}
            {tab === 'metrics' && <MetricsPanel />}
          </div>
        </div>
      </div>
      <Dialogs />
    </div>
  );
}
