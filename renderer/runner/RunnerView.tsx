/**
 * PLACEHOLDER owned by the runner helper (renderer/runner/): replace this component with
 * the runner (deployments, executions, live node status, events, metrics). The app shell
 * renders `<RunnerView />` in the Runner tab.
 */
import type { JSX } from 'react';

export function RunnerView(): JSX.Element {
  return (
    <div className="runner-placeholder" data-testid="runner-placeholder">
      The runner (deployments, executions, events and metrics) appears here.
    </div>
  );
}
