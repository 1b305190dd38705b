/** Resets every store (tests call it between cases; "New" uses the document parts). */
import { useCatalogStore } from './catalog-store';
import { useDocumentStore } from './document-store';
import { useLayoutStore } from './layout-store';
import { useProblemsStore } from './problems-store';
import { useProjectionStore } from './projection-store';
import { useSelectionStore } from './selection-store';
import { useUiStore } from './ui-store';

export function resetAllStores(): void {
  useDocumentStore.getState().reset();
  useProjectionStore.getState().reset();
  useCatalogStore.getState().reset();
  useProblemsStore.getState().reset();
  useSelectionStore.getState().reset();
  useLayoutStore.getState().reset();
  useUiStore.getState().reset();
}
