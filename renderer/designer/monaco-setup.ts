/**
 * Monaco, bundled locally (no CDN): @monaco-editor/react is pointed at our monaco-editor
 * build, workers come from Vite `?worker` imports, and monaco-yaml validates and completes
 * against the DSL's JSON schema. Pins: monaco-editor 0.54.0 + monaco-yaml 5.5.1 (YAML
 * validation silently stops with monaco-editor >= 0.55).
 */
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker?worker';
import { configureMonacoYaml } from 'monaco-yaml';
import YamlWorker from 'monaco-yaml/yaml.worker?worker';
import dslSchema from '@trellis/dsl-schema';

/** URI of the one blueprint model the pane edits. */
export const blueprintModelUri = 'file:///trellis/blueprint.yaml';

let done = false;

/** Configures Monaco once; returns the monaco namespace. */
export function setupMonaco(): typeof monaco {
  if (done) return monaco;
  done = true;
  (globalThis as { MonacoEnvironment?: monaco.Environment }).MonacoEnvironment = {
    getWorker(_moduleId: string, label: string) {
      return label === 'yaml' ? new YamlWorker() : new EditorWorker();
    },
  };
  loader.config({ monaco });
  configureMonacoYaml(monaco, {
    enableSchemaRequest: false,
    validate: true,
    completion: true,
    hover: true,
    schemas: [{ uri: 'trellis://schemas/dsl.schema.json', fileMatch: ['**/*.yaml', '**/*.yml'], schema: dslSchema }],
  });
  return monaco;
}

export type Monaco = typeof monaco;
