/**
 * The designer session: keeps the derived state in step with the text (projection on every
 * change, compile and type catalog debounced through the host) and implements open / save.
 * Started once by the app; `stopSession()` undoes it (tests).
 */
import type { HostClient } from '../../engine/host/contract';
import { getHostClient, getShell } from '../host';
import { useCatalogStore } from '../state/catalog-store';
import { newBlueprintText, useDocumentStore } from '../state/document-store';
import { layoutPathFor, useLayoutStore, type Point } from '../state/layout-store';
import { useProblemsStore } from '../state/problems-store';
import { useProjectionStore } from '../state/projection-store';
import { useSelectionStore } from '../state/selection-store';
import { useUiStore } from '../state/ui-store';
import { autoLayout, maxAutoLayoutTemplates } from './auto-layout';
import { relationshipKindOf } from '../state/catalog-store';
import { createProjector } from './projection';
import { textBuffer } from './text-buffer';

/** How long typing must pause before the blueprint is compiled for problems. */
export const compileDebounceMs = 250;

let stop: (() => void) | undefined;
let home = '';

function host(): HostClient {
  return getHostClient();
}

/** Path used to compile an unsaved blueprint (imports resolve from the home folder). */
export function compilePath(): string {
  return useDocumentStore.getState().filePath ?? `${home || '/tmp'}/untitled.yaml`;
}

/** Starts projection, compile and catalog tracking. Idempotent. */
export function startSession(): () => void {
  if (stop) return stop;
  let project = createProjector();
  let frame: number | undefined;
  let compileTimer: ReturnType<typeof setTimeout> | undefined;
  let compileSeq = 0;
  let catalogKey = '';
  let layoutPending = false;

  const projectNow = (): void => {
    frame = undefined;
    const t0 = performance.now();
    const result = project(useDocumentStore.getState().text);
    const ms = performance.now() - t0;
    if (result.ok) {
      useProjectionStore.getState().setModel(result.model, ms);
      const key = JSON.stringify([result.model.imports, result.model.ownNodeTypes, result.model.ownRelationshipTypes]);
      if (key !== catalogKey) {
        catalogKey = key;
        void refreshCatalog();
      }
      if (layoutPending) {
        // The first projection of a newly opened document: show it whole, laying out what has no position.
        layoutPending = false;
        useLayoutStore.getState().requestFit();
        void layoutMissing();
      }
    } else useProjectionStore.getState().setErrors(result.errors, ms);
  };

  const compile = async (): Promise<void> => {
    const seq = ++compileSeq;
    const { text } = useDocumentStore.getState();
    useProblemsStore.getState().setCompiling(true);
    // Validate only: inputs get their values at deploy time, so a missing one is not an error here.
    const result = await host().call('blueprint.compile', { file: compilePath(), text, validateOnly: true });
    if (seq !== compileSeq) return;
    if (result.ok) useProblemsStore.getState().setProblems(result.value.problems);
    else useProblemsStore.getState().setHostError(result.error.message);
  };

  const unsubText = useDocumentStore.subscribe((s, prev) => {
    if (s.generation !== prev.generation) {
      // A new document: fresh caches, and lay out what the layout file does not place.
      project = createProjector();
      layoutPending = true;
      useSelectionStore.getState().selectNodes([], 'other');
    }
    if (s.text === prev.text && s.generation === prev.generation) return;
    // Coalesce keystrokes to one projection per frame.
    if (frame === undefined) frame = requestAnimationFrame(projectNow);
    clearTimeout(compileTimer);
    compileTimer = setTimeout(() => void compile().catch((e: unknown) => useProblemsStore.getState().setHostError(String(e))), compileDebounceMs);
  });

  void host()
    .call('host.info', {})
    .then((r) => {
      if (r.ok) home = r.value.home;
    });
  layoutPending = true;
  exposeProbe();
  projectNow();
  void compile().catch(() => undefined);

  stop = () => {
    unsubText();
    if (frame !== undefined) cancelAnimationFrame(frame);
    clearTimeout(compileTimer);
    stop = undefined;
  };
  return stop;
}

/** What e2e tests and the canvas benchmark read from the page (no secrets, read-only). */
export interface DesignerProbe {
  text(): string;
  templates(): string[];
  positions(): Record<string, Point>;
  lastProjectionMs(): number;
}

function exposeProbe(): void {
  const probe: DesignerProbe = {
    text: () => textBuffer().getText(),
    templates: () => useProjectionStore.getState().model?.templates.map((t) => t.name) ?? [],
    positions: () => useLayoutStore.getState().positions,
    lastProjectionMs: () => useProjectionStore.getState().lastMs,
  };
  (window as unknown as { trellisDesigner?: DesignerProbe }).trellisDesigner = probe;
}

export function stopSession(): void {
  stop?.();
}

async function refreshCatalog(): Promise<void> {
  const { text } = useDocumentStore.getState();
  const result = await host().call('blueprint.typeCatalog', { file: compilePath(), text });
  if (result.ok) useCatalogStore.getState().setCatalog(result.value);
  else useCatalogStore.getState().setError(result.error.message);
}

/** Lays out templates that have no saved position (all of them for a file without layout). */
async function layoutMissing(): Promise<void> {
  const model = useProjectionStore.getState().model;
  if (!model || model.templates.length === 0 || model.templates.length > maxAutoLayoutTemplates) return;
  const positions = useLayoutStore.getState().positions;
  if (model.templates.every((t) => positions[t.name])) return;
  const byName = useCatalogStore.getState().byName;
  const laid = await autoLayout(model, (t) => relationshipKindOf(byName, t));
  const current = useLayoutStore.getState().positions;
  const merged: Record<string, Point> = { ...laid };
  // Keep what the user placed; the laid-out ones only fill the gaps.
  if (Object.keys(current).length > 0) Object.assign(merged, current);
  useLayoutStore.getState().setPositions(merged, true);
  // Show the freshly laid-out graph whole.
  useLayoutStore.getState().requestFit();
}

// ---------------------------------------------------------------------------------------
// Files

function notifyError(message: string): void {
  useUiStore.getState().notify('error', message);
}

/** Opens a blueprint file (and its layout, if saved). */
export async function openFile(path: string): Promise<boolean> {
  const read = await host().call('files.read', { path });
  if (!read.ok) {
    notifyError(`Could not open ${path}: ${read.error.message}`);
    return false;
  }
  const layout = await host().call('files.read', { path: layoutPathFor(path) });
  let positions: Record<string, Point> = {};
  if (layout.ok) {
    try {
      const parsed = JSON.parse(layout.value.text) as { positions?: Record<string, Point> };
      positions = parsed.positions ?? {};
    } catch {
      notifyError('The layout file is not valid JSON; the graph is laid out afresh.');
    }
  }
  const text = read.value.text.replace(/\r\n/g, '\n');
  useLayoutStore.getState().setPositions(positions, false);
  useDocumentStore.getState().load(read.value.path, text);
  textBuffer().setText(text);
  useUiStore.getState().setTab('designer');
  getShell()?.document.setState({ path: read.value.path, dirty: false });
  return true;
}

/** Starts a new, empty blueprint. */
export function newDocument(): void {
  useLayoutStore.getState().setPositions({}, false);
  useDocumentStore.getState().load(null, newBlueprintText);
  textBuffer().setText(newBlueprintText);
  getShell()?.document.setState({ dirty: false });
}

/** Saves to the current file, or asks for one. */
export async function save(): Promise<boolean> {
  const path = useDocumentStore.getState().filePath;
  if (!path) return saveAs();
  return saveTo(path);
}

/** Asks where to save (native dialog in the desktop app, a dialog of ours in the browser). */
export async function saveAs(): Promise<boolean> {
  const shell = getShell();
  if (shell) {
    const path = await shell.dialogs.saveBlueprint(useDocumentStore.getState().filePath ?? undefined);
    return path ? saveTo(path) : false;
  }
  useUiStore.getState().setDialog('saveAs');
  return false;
}

/** Writes the text (and the layout beside it). */
export async function saveTo(path: string): Promise<boolean> {
  const text = textBuffer().getText();
  const written = await host().call('files.write', { path, text });
  if (!written.ok) {
    notifyError(`Could not save ${path}: ${written.error.message}`);
    return false;
  }
  useDocumentStore.getState().markSaved(written.value.path, text);
  await saveLayout();
  useUiStore.getState().notify('info', `Saved ${written.value.path}`);
  getShell()?.document.setState({ path: written.value.path, dirty: false });
  return true;
}

/** Writes `<name>.layout.json` beside the saved blueprint (never into it). */
export async function saveLayout(): Promise<void> {
  const path = useDocumentStore.getState().filePath;
  if (!path) return;
  const model = useProjectionStore.getState().model;
  const names = new Set(model?.templates.map((t) => t.name) ?? []);
  const positions = Object.fromEntries(Object.entries(useLayoutStore.getState().positions).filter(([n]) => names.has(n)));
  const result = await host().call('files.write', { path: layoutPathFor(path), text: JSON.stringify({ version: 1, positions }, null, 2) + '\n' });
  if (result.ok) useLayoutStore.getState().markClean();
}

/** Opens via the native dialog (desktop) or our own dialog (browser). */
export async function openWithDialog(): Promise<void> {
  const shell = getShell();
  if (shell) {
    const path = await shell.dialogs.openBlueprint();
    if (path) await openFile(path);
    return;
  }
  useUiStore.getState().setDialog('open');
}
