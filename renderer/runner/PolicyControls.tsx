/** "Pause policies" toggle and the "Generate load" action (the offline example's traffic generator). */
import { useState, type JSX } from 'react';
import type { DeploymentSummary, HostResult } from '../../engine/host/contract';
import { getHostClient } from '../host';
import { useUiStore } from '../state/ui-store';
import { setPoliciesPaused } from './runner-actions';

/**
 * The host method that drives traffic through a deployment. It belongs to the metrics
 * work (issue 5); until contract.ts declares it the call goes out by name and the host
 * answers with an error the user sees.
 */
export const generateLoadMethod = 'deployments.generateLoad';

export function PoliciesToggle({ deployment }: { deployment: DeploymentSummary }): JSX.Element {
  return (
    <label className="rcheck" title="Policies do not start workflows while paused">
      <input type="checkbox" checked={deployment.policiesPaused} onChange={(e) => void setPoliciesPaused(deployment.id, e.target.checked)} data-testid="pause-policies" /> pause policies
    </label>
  );
}

export function GenerateLoadButton({ deploymentId }: { deploymentId: string }): JSX.Element {
  const [rate, setRate] = useState('50');
  const [seconds, setSeconds] = useState('60');
  const [busy, setBusy] = useState(false);
  const start = async (): Promise<void> => {
    setBusy(true);
    // Called by name: see generateLoadMethod.
    const call = getHostClient().call as unknown as (m: string, p: unknown) => Promise<HostResult<unknown>>;
    const r = await call(generateLoadMethod, { deploymentId, requestsPerSecond: Number(rate), durationSeconds: Number(seconds) });
    setBusy(false);
    if (r.ok) useUiStore.getState().notify('info', `Sending ${rate} requests/s for ${seconds} s`);
    else useUiStore.getState().notify('error', r.error.message);
  };
  return (
    <span className="rload">
      <input aria-label="Requests per second" type="number" min={1} value={rate} onChange={(e) => setRate(e.target.value)} style={{ width: 64 }} />
      <span className="muted small">req/s for</span>
      <input aria-label="Seconds" type="number" min={1} value={seconds} onChange={(e) => setSeconds(e.target.value)} style={{ width: 56 }} />
      <span className="muted small">s</span>
      <button onClick={() => void start()} disabled={busy} data-testid="generate-load">
        Generate load
      </button>
    </span>
  );
}
