/**
 * The renderer's Vite config, shared by the browser build (`npm run build:web`, served by
 * `trellis serve`) and the Electron build (electron.vite.config.ts reuses it).
 * `base: './'` makes every asset URL relative, so the same files work from
 * `trellis://app/` in Electron and from `http://127.0.0.1:PORT/` in a browser. Monaco and
 * its YAML worker are bundled (no CDN), as the CSP requires.
 */
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Shared renderer settings (without outDir, which each build sets). */
export const rendererConfig: UserConfig = {
  root: resolve(root, 'renderer'),
  base: './',
  plugins: [react()],
  // The designer bundles the DSL's JSON schema for monaco-yaml (renderer/ may not import engine/).
  resolve: { alias: { '@trellis/dsl-schema': resolve(root, 'engine/dsl/schema/dsl.schema.json') } },
  worker: { format: 'es' },
  build: {
    target: 'es2023',
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
    rolldownOptions: { input: resolve(root, 'renderer/index.html') },
  },
};

export default defineConfig({
  ...rendererConfig,
  build: { ...rendererConfig.build, outDir: resolve(root, 'out/renderer'), emptyOutDir: true },
});
