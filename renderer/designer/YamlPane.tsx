/**
 * The YAML pane: Monaco on the blueprint text. It is the text's owner while mounted:
 * graph edits arrive as Monaco edits (one undo history for both panes), typing flows back
 * to the document store (which re-projects the graph), Trellis problems and YAML errors
 * become markers, the cursor selects the template it is in, and selecting a template
 * reveals its YAML.
 */
import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef, type JSX } from 'react';
import type * as Monaco from 'monaco-editor';
import { useDocumentStore } from '../state/document-store';
import { useProblemsStore } from '../state/problems-store';
import { useProjectionStore } from '../state/projection-store';
import { useSelectionStore } from '../state/selection-store';
import { templateAtOffset, type TextSpan } from './model';
import { blueprintModelUri, setupMonaco } from './monaco-setup';
import { compilePath } from './session';
import { registerTextBuffer, type TextBuffer } from './text-buffer';

const monaco = setupMonaco();

export function YamlPane({ theme }: { theme: 'light' | 'dark' }): JSX.Element {
  const editorRef = useRef<Monaco.editor.IStandaloneCodeEditor | null>(null);
  const errors = useProjectionStore((s) => s.errors);
  const cleanup = useRef<(() => void)[]>([]);

  useEffect(() => () => cleanup.current.forEach((f) => f()), []);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    const model = editor.getModel()!;
    model.setEOL(monaco.editor.EndOfLineSequence.LF);
    let highlight: Monaco.editor.IEditorDecorationsCollection | undefined;
    const rangeOf = (span: TextSpan): Monaco.Range => {
      const a = model.getPositionAt(span.start);
      const b = model.getPositionAt(span.end);
      return new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column);
    };
    const buffer: TextBuffer = {
      getText: () => model.getValue(),
      applyEdits(edits) {
        editor.pushUndoStop();
        editor.executeEdits(
          'trellis-designer',
          edits.map((e) => ({ range: rangeOf({ start: e.start, end: e.end }), text: e.insert, forceMoveMarkers: true })),
        );
        editor.pushUndoStop();
      },
      setText(text) {
        model.setValue(text);
      },
      undo: () => void model.undo(),
      redo: () => void model.redo(),
      reveal(span, select) {
        const range = rangeOf(span);
        editor.revealRangeNearTop(range, monaco.editor.ScrollType.Smooth);
        highlight?.clear();
        highlight = editor.createDecorationsCollection([{ range, options: { isWholeLine: true, className: 'trellis-reveal', linesDecorationsClassName: 'trellis-reveal-gutter' } }]);
        if (select) editor.setSelection(range);
      },
    };
    cleanup.current.push(registerTextBuffer(buffer));
    // Make sure the editor shows the store's text (a file may have been opened before mount).
    const storeText = useDocumentStore.getState().text;
    if (model.getValue() !== storeText) model.setValue(storeText);

    const sub1 = model.onDidChangeContent(() => useDocumentStore.getState().setText(model.getValue()));
    const sub2 = editor.onDidChangeCursorPosition((e) => {
      if (!editor.hasTextFocus()) return;
      const m = useProjectionStore.getState().model;
      if (!m) return;
      const t = templateAtOffset(m, model.getOffsetAt(e.position));
      const sel = useSelectionStore.getState();
      if (t && (sel.nodes.length !== 1 || sel.nodes[0] !== t.name)) sel.selectNodes([t.name], 'editor');
    });
    cleanup.current.push(() => {
      sub1.dispose();
      sub2.dispose();
    });

    // Selecting on the canvas reveals the template's YAML (without stealing focus).
    cleanup.current.push(
      useSelectionStore.subscribe((s, prev) => {
        if (s.origin === 'editor' || (s.nodes === prev.nodes && s.edge === prev.edge)) return;
        const m = useProjectionStore.getState().model;
        if (s.edge) {
          const rel = m?.templates.find((t) => t.name === s.edge!.source)?.relationships[s.edge.index];
          if (rel) buffer.reveal(rel.span);
          return;
        }
        const t = s.nodes.length === 1 ? m?.templates.find((x) => x.name === s.nodes[0]) : undefined;
        if (t) buffer.reveal(t.span);
        else highlight?.clear();
      }),
    );

    // Markers: Trellis problems of this file and YAML syntax errors.
    const setMarkers = (): void => {
      const file = compilePath();
      const problems = useProblemsStore.getState().problems.filter((p) => p.file === file || p.file.endsWith('/untitled.yaml'));
      const severity = { error: monaco.MarkerSeverity.Error, warning: monaco.MarkerSeverity.Warning, info: monaco.MarkerSeverity.Info };
      monaco.editor.setModelMarkers(
        model,
        'trellis',
        problems.map((p) => ({
          severity: severity[p.severity],
          message: `${p.message} (${p.code})`,
          startLineNumber: p.range.line,
          startColumn: p.range.column,
          endLineNumber: p.range.endLine,
          endColumn: Math.max(p.range.endColumn, p.range.line === p.range.endLine ? p.range.column + 1 : p.range.endColumn),
          source: 'trellis',
        })),
      );
      const syntax = useProjectionStore.getState().errors;
      monaco.editor.setModelMarkers(
        model,
        'trellis-yaml',
        syntax.map((e) => {
          const r = rangeOf({ start: e.span.start, end: Math.max(e.span.end, e.span.start + 1) });
          return { severity: monaco.MarkerSeverity.Error, message: e.message, ...r, source: 'yaml' };
        }),
      );
    };
    setMarkers();
    cleanup.current.push(useProblemsStore.subscribe(setMarkers), useProjectionStore.subscribe(setMarkers));
  };

  return (
    <>
      <div className="editor" data-testid="yaml-editor">
        <Editor
          defaultLanguage="yaml"
          path={blueprintModelUri}
          defaultValue={useDocumentStore.getState().text}
          theme={theme === 'dark' ? 'vs-dark' : 'vs'}
          onMount={onMount}
          options={{
            // Playwright's typing needs the textarea-based input (EditContext breaks it).
            editContext: false,
            automaticLayout: true,
            minimap: { enabled: false },
            fontSize: 13,
            tabSize: 2,
            insertSpaces: true,
            scrollBeyondLastLine: false,
            wordWrap: 'off',
            renderWhitespace: 'boundary',
            quickSuggestions: { other: true, comments: false, strings: true },
          }}
        />
      </div>
      {errors.length > 0 && (
        <div className="yaml-error" data-testid="yaml-error">
          YAML error: {errors[0]!.message.split('\n')[0]}
        </div>
      )}
    </>
  );
}
