/** The problems list: YAML syntax errors and Trellis problems; a click reveals the spot. */
import type { JSX } from 'react';
import { problemTemplate, useProblemsStore } from '../state/problems-store';
import { useProjectionStore } from '../state/projection-store';
import { useSelectionStore } from '../state/selection-store';
import { textBuffer } from './text-buffer';

export function ProblemsList(): JSX.Element {
  const problems = useProblemsStore((s) => s.problems);
  const compiling = useProblemsStore((s) => s.compiling);
  const hostError = useProblemsStore((s) => s.hostError);
  const syntax = useProjectionStore((s) => s.errors);
  const count = problems.length + syntax.length;
  return (
    <section className="pane problems" data-testid="problems" aria-label="Problems">
      <div className="pane-header">
        Problems {count > 0 ? `(${count})` : ''}
        <span className="spacer" />
        {compiling && <span>checking…</span>}
      </div>
      <div className="pane-body">
        {hostError && <div className="none">Could not check the blueprint: {hostError}</div>}
        {count === 0 && !hostError && <div className="none">No problems. The blueprint is checked as you edit.</div>}
        <ul>
          {syntax.map((e, i) => (
            <li key={`s${i}`} onClick={() => textBuffer().reveal(e.span, true)}>
              <span className="sev error">error</span>
              <span>{e.message.split('\n')[0]}</span>
            </li>
          ))}
          {problems.map((p, i) => (
            <li
              key={i}
              data-testid="problem"
              onClick={() => {
                const name = problemTemplate(p.path);
                if (name) useSelectionStore.getState().selectNodes([name], 'editor');
                textBuffer().reveal({ start: p.range.offset, end: p.range.endOffset }, true);
              }}
            >
              <span className={`sev ${p.severity}`}>{p.severity}</span>
              <span className="where">
                {p.range.line}:{p.range.column}
              </span>
              <span>{p.message}</span>
              <span className="where">{p.code}</span>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
