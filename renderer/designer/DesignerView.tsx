/** The designer's layout: palette | canvas (+ problems) | YAML pane | inspector. */
import { useRef, type JSX, type PointerEvent } from 'react';
import { useUiStore } from '../state/ui-store';
import { Canvas } from './Canvas';
import { Inspector } from './Inspector';
import { Palette } from './Palette';
import { ProblemsList } from './ProblemsList';
import { YamlPane } from './YamlPane';

export function DesignerView({ theme }: { theme: 'light' | 'dark' }): JSX.Element {
  const paletteOpen = useUiStore((s) => s.paletteOpen);
  const yamlOpen = useUiStore((s) => s.yamlOpen);
  const inspectorOpen = useUiStore((s) => s.inspectorOpen);
  const problemsOpen = useUiStore((s) => s.problemsOpen);
  const yamlWidth = useUiStore((s) => s.yamlWidth);
  const drag = useRef<{ x: number; width: number } | null>(null);

  const onSplitDown = (e: PointerEvent<HTMLDivElement>): void => {
    drag.current = { x: e.clientX, width: yamlWidth };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onSplitMove = (e: PointerEvent<HTMLDivElement>): void => {
    if (drag.current) useUiStore.getState().setYamlWidth(drag.current.width - (e.clientX - drag.current.x));
  };

  return (
    <div className="designer" data-testid="designer">
      {paletteOpen && <Palette />}
      <div className="centre">
        <div className="canvas-row">
          <Canvas theme={theme} />
        </div>
        {problemsOpen && <ProblemsList />}
      </div>
      {yamlOpen && (
        <div
          className="splitter"
          role="separator"
          aria-orientation="vertical"
          aria-label="Resize the YAML pane"
          onPointerDown={onSplitDown}
          onPointerMove={onSplitMove}
          onPointerUp={() => (drag.current = null)}
        />
      )}
      {/* The YAML pane stays mounted when collapsed: it holds the one undo history. */}
      <section className="pane yaml-pane" style={{ width: yamlWidth, display: yamlOpen ? 'flex' : 'none' }} aria-label="YAML">
        <div className="pane-header">
          YAML
          <span className="spacer" />
          <button className="ghost" title="Hide (Ctrl+Alt+Y)" onClick={() => useUiStore.getState().toggle('yamlOpen')}>
            ⟩
          </button>
        </div>
        <YamlPane theme={theme} />
      </section>
      {inspectorOpen && <Inspector />}
    </div>
  );
}
