/**
 * Live node-instance status of the watched deployment (seeded from instances.list, then
 * folded from events by renderer/runner/live-status.ts). The designer canvas and the
 * runner's graph both read node summaries from here.
 */
import { create } from 'zustand';
import type { HostEvent, NodeInstanceSummary } from '../../engine/host/contract';
import {
  applyLiveEvents,
  liveFromSummaries,
  summarizeNode,
  type LiveInstances,
  type NodeStatus,
} from '../runner/live-status';

export interface RunnerLiveState {
  deploymentId: string | null;
  instances: LiveInstances;
  /** Full summaries (runtime properties) from the last instances.list. */
  details: NodeInstanceSummary[];
  watch(deploymentId: string | null, list: NodeInstanceSummary[]): void;
  setDetails(list: NodeInstanceSummary[]): void;
  apply(batch: readonly HostEvent[]): void;
  reset(): void;
}

export const useRunnerLiveStore = create<RunnerLiveState>()((set, get) => ({
  deploymentId: null,
  instances: {},
  details: [],
  watch: (deploymentId, list) =>
    set({ deploymentId, instances: liveFromSummaries(list), details: list }),
  setDetails: (details) => set({ details }),
  apply: (batch) => {
    const { deploymentId, instances } = get();
    if (!deploymentId) return;
    const next = applyLiveEvents(instances, batch, deploymentId);
    if (next !== instances) set({ instances: next });
  },
  reset: () => set({ deploymentId: null, instances: {}, details: [] }),
}));

/** Selector factory: one node's live summary (null when no deployment is watched). */
export function selectNodeStatus(nodeId: string): (s: RunnerLiveState) => NodeStatus | null {
  let lastInstances: LiveInstances | undefined;
  let last: NodeStatus | null = null;
  return (s) => {
    if (!s.deploymentId) return null;
    if (s.instances !== lastInstances) {
      lastInstances = s.instances;
      const next = summarizeNode(s.instances, nodeId);
      // Keep the old object when the summary is the same, so the node does not re-render.
      if (!last || JSON.stringify(last) !== JSON.stringify(next)) last = next;
    }
    return last;
  };
}
