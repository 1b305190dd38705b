/** "Pause policies" toggle and the "Generate load" action (`load.generate`: HTTP traffic to the deployment's `url` output). */
import { useState, type JSX } from 'react';
import type { DeploymentSummary } from '../../engine/host/contract';
import { useUiStore } from '../state/ui-store';
import { call, setPoliciesPaused } from './runner-actions';

export function PoliciesToggle({ deployment }: { deployment: DeploymentSummary }): JSX.Element {
  // Shown at once; the host's answer (or its refusal) settles it.
  const [pending, setPending] = useState<boolean | null>(null);
  const toggle = async (paused: boolean): Promise<void> => {
    setPending(paused);
    await setPoliciesPaused(deployment.id, paused);
    setPending(null);
  };
  return (
    <label className="rcheck" title="Policies start no workflows while paused">
      <input
        type="checkbox"
        checked={pending ?? deployment.policiesPaused}
        onChange={(e) => void toggle(e.target.checked)}
        data-testid="pause-policies"
      />{' '}
      pause policies
    </label>
  );
}

/** The host caps load at 500 requests/s for 600 s. */
const limits = { rps: 500, seconds: 600 } as const;

export function GenerateLoadButton({ deploymentId }: { deploymentId: string }): JSX.Element {
  const [rps, setRps] = useState('30');
  const [seconds, setSeconds] = useState('60');
  const [busy, setBusy] = useState(false);
  const r = Number(rps);
  const s = Number(seconds);
  const valid =
    Number.isInteger(r) &&
    r >= 1 &&
    r <= limits.rps &&
    Number.isInteger(s) &&
    s >= 1 &&
    s <= limits.seconds;
  const send = async (requests: number): Promise<void> => {
    setBusy(true);
    const result = await call('load.generate', {
      deploymentId,
      rps: requests,
      seconds: requests === 0 ? 1 : s,
    });
    setBusy(false);
    if (result)
      useUiStore
        .getState()
        .notify(
          'info',
          requests === 0
            ? 'Load stopped'
            : `Sending ${result.rps} requests/s to ${result.url} for ${result.seconds} s`,
        );
  };
  return (
    <span className="rload">
      <input
        aria-label="Requests per second"
        type="number"
        min={1}
        max={limits.rps}
        value={rps}
        onChange={(e) => setRps(e.target.value)}
        className={valid ? '' : 'invalid'}
        style={{ width: 64 }}
        data-testid="load-rps"
      />
      <span className="muted small">req/s for</span>
      <input
        aria-label="Seconds"
        type="number"
        min={1}
        max={limits.seconds}
        value={seconds}
        onChange={(e) => setSeconds(e.target.value)}
        className={valid ? '' : 'invalid'}
        style={{ width: 60 }}
        data-testid="load-seconds"
      />
      <span className="muted small">s</span>
      <button
        onClick={() => void send(r)}
        disabled={busy || !valid}
        data-testid="generate-load"
        title="Send HTTP requests to the deployment's url output"
      >
        Generate load
      </button>
      <button
        className="ghost"
        onClick={() => void send(0)}
        disabled={busy}
        data-testid="stop-load"
      >
        Stop
      </button>
    </span>
  );
}
