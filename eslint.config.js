// ESLint: typescript-eslint with type information, plus the layer rule of DESIGN.md §1
// encoded as per-folder import restrictions.
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const engineRestrictions = {
  patterns: [
    { group: ['**/electron/**', 'electron'], message: 'engine/ never imports the desktop shell.' },
    { group: ['**/renderer/**', 'react', 'react-dom'], message: 'engine/ never imports the UI.' },
    {
      group: ['**/plugins/*/**', '!**/plugins/sdk/**', '**/plugins/index*'],
      message: 'The engine core names no plugin: only plugins/sdk (plugins arrive through the EngineHost).',
    },
  ],
};

const rendererRestrictions = {
  patterns: [
    {
      // A regex, not a gitignore group: a group cannot re-include a file under an excluded folder.
      regex: '(^|/)engine/(?!host/contract(\\.ts)?$)',
      message: 'renderer/ talks to the engine only through engine/host/contract.',
    },
    { group: ['**/plugins/**', '**/electron/**'], message: 'renderer/ imports no plugin or shell code.' },
    { group: ['node:*', 'fs', 'path', 'child_process'], message: 'renderer/ has no Node APIs.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'release/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Without an explicit resolver, import-x falls back to a legacy one that is not installed
    // and crashes on packages that only export an `import` condition (vite, electron-vite).
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.tsx', '.mjs', '.cjs', '.js', '.json', '.node'], conditionNames: ['types', 'import', 'require', 'default'] }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { maxDepth: 8 }],
    },
  },
  // engine/cli and engine/host entry points may import the plugin list (plugins/index.ts).
  {
    files: ['engine/**/*.ts'],
    ignores: ['engine/cli/**', 'engine/host/entry-*.ts', 'engine/host/serve*.ts', 'engine/host/open-host.ts'],
    rules: { 'no-restricted-imports': ['error', engineRestrictions] },
  },
  { files: ['renderer/**/*.ts', 'renderer/**/*.tsx'], rules: { 'no-restricted-imports': ['error', rendererRestrictions] } },
  {
    files: ['plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/renderer/**', '**/electron/**', 'react'], message: 'plugins never import the UI or the shell.' },
            {
              // A regex, because gitignore-style groups cannot re-include a file under an
              // excluded folder, so `!**/engine/dsl/plan-model` never took effect.
              regex: '(^|/)engine/(?!dsl/plan-model(\\.ts)?$)',
              message: 'plugins depend on plugins/sdk (and the plan value types), not on the engine.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'test/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
