/**
 * The runner's view of the engine: deployments, the selected one, its plan and executions,
 * the selected node and execution, the open dialog. Filled by renderer/runner/runner-actions.ts
 * from host calls and events; components read it through selectors.
 */
import { create } from 'zustand';
import type { DeploymentSummary, ExecutionSummary, Plan } from '../../engine/host/contract';

/** Dialogs of the runner (one at a time). */
export type RunnerDialog =
  | { kind: 'create' }
  | { kind: 'scale' }
  | { kind: 'heal'; instanceId?: string }
  | { kind: 'execute' }
  | { kind: 'confirm'; title: string; body: string; confirmLabel: string; action: () => void }
  | {
      kind: 'dryRun';
      workflow: string;
      tasks: {
        id: string;
        name: string;
        instanceId?: string;
        operation?: string;
        dependsOn: string[];
      }[];
    };

/** Bottom tab of the runner. */
export type RunnerTab = 'events' | 'executions' | 'metrics';

export interface RunnerState {
  deployments: DeploymentSummary[];
  selectedId: string | null;
  /** Plans by deployment id (fetched once per deployment). */
  plans: Record<string, Plan>;
  /** Executions of the selected deployment, newest first. */
  executions: ExecutionSummary[];
  selectedExecutionId: string | null;
  selectedNode: string | null;
  dialog: RunnerDialog | null;
  tab: RunnerTab;
  /** Engine connection: false while the engine restarts. */
  engineReady: boolean;
  /** Executions the engine was running when it died (desktop shell), to offer Resume. */
  interrupted: ExecutionSummary[];
  setDeployments(list: DeploymentSummary[]): void;
  upsertDeployment(d: DeploymentSummary): void;
  removeDeployment(id: string): void;
  select(id: string | null): void;
  setPlan(id: string, plan: Plan): void;
  setExecutions(list: ExecutionSummary[]): void;
  upsertExecution(e: ExecutionSummary): void;
  selectExecution(id: string | null): void;
  selectNode(name: string | null): void;
  openDialog(d: RunnerDialog | null): void;
  setTab(tab: RunnerTab): void;
  setEngineReady(ready: boolean): void;
  setInterrupted(list: ExecutionSummary[]): void;
  reset(): void;
}

const initial = {
  deployments: [] as DeploymentSummary[],
  selectedId: null,
  plans: {} as Record<string, Plan>,
  executions: [] as ExecutionSummary[],
  selectedExecutionId: null,
  selectedNode: null,
  dialog: null,
  tab: 'events' as RunnerTab,
  engineReady: true,
  interrupted: [] as ExecutionSummary[],
};

const byNewest = (a: { createdAt: string }, b: { createdAt: string }): number =>
  b.createdAt.localeCompare(a.createdAt);

export const useRunnerStore = create<RunnerState>()((set) => ({
  ...initial,
  setDeployments: (list) =>
    set((s) => {
      const deployments = [...list].sort((a, b) => a.id.localeCompare(b.id));
      return {
        deployments,
        selectedId:
          s.selectedId && list.some((d) => d.id === s.selectedId)
            ? s.selectedId
            : (deployments[0]?.id ?? null),
      };
    }),
  upsertDeployment: (d) =>
    set((s) => ({
      deployments: [...s.deployments.filter((x) => x.id !== d.id), d].sort((a, b) =>
        a.id.localeCompare(b.id),
      ),
    })),
  removeDeployment: (id) =>
    set((s) => {
      const deployments = s.deployments.filter((d) => d.id !== id);
      return {
        deployments,
        selectedId: s.selectedId === id ? (deployments[0]?.id ?? null) : s.selectedId,
      };
    }),
  select: (selectedId) =>
    set((s) =>
      s.selectedId === selectedId
        ? {}
        : { selectedId, executions: [], selectedExecutionId: null, selectedNode: null },
    ),
  setPlan: (id, plan) => set((s) => ({ plans: { ...s.plans, [id]: plan } })),
  setExecutions: (list) => set({ executions: [...list].sort(byNewest) }),
  upsertExecution: (e) =>
    set((s) => ({ executions: [...s.executions.filter((x) => x.id !== e.id), e].sort(byNewest) })),
  selectExecution: (selectedExecutionId) => set({ selectedExecutionId }),
  selectNode: (selectedNode) => set({ selectedNode }),
  openDialog: (dialog) => set({ dialog }),
  setTab: (tab) => set({ tab }),
  setEngineReady: (engineReady) => set({ engineReady }),
  setInterrupted: (interrupted) => set({ interrupted }),
  reset: () => set(initial),
}));

/** Selector: the selected deployment. */
export const selectDeployment = (s: RunnerState): DeploymentSummary | undefined =>
  s.deployments.find((d) => d.id === s.selectedId);

/** Selector: the selected deployment's plan. */
export const selectPlan = (s: RunnerState): Plan | undefined =>
  s.selectedId ? s.plans[s.selectedId] : undefined;

/** Selector: the running (or queued) execution of the selected deployment. */
export const selectActiveExecution = (s: RunnerState): ExecutionSummary | undefined =>
  s.executions.find(
    (e) =>
      e.status === 'started' ||
      e.status === 'pending' ||
      e.status === 'queued' ||
      e.status === 'cancelling' ||
      e.status === 'force_cancelling',
  );
