// Lint that keeps the house (docs/architecture.md, "Layers"): what each layer may import, no
// import cycle anywhere, and the usual correctness rules. Formatting is Prettier's (`npm run format`).
// Folder-level cycles inside src/main/core are checked by scripts/check-folders.mjs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const ELECTRON = { regex: '^electron(/.*)?$', message: 'Only src/main/electron and src/preload import electron: product logic stays testable in Node.' };
const NODE = { group: ['node:*'], message: 'The page is sandboxed and has no Node: ask main over IPC (src/shared/ipc.ts).' };

/** Imports that reach into another layer, matched on the path as written (`../../electron/window`). */
const into = (paths, message) => ({ group: paths.flatMap((path) => [path, `${path}/**`]), message });

/** One layer's import rule. */
const layer = (files, ...patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.ci/**', 'resources/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } }
  },
  {
    // `parser` is read by vue-eslint-parser when import-x follows an import into a .vue file.
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.node }, parserOptions: { parser: tseslint.parser } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: ['tsconfig.node.json', 'tsconfig.web.json', 'test/renderer/tsconfig.json'], noWarnOnMultipleProjects: true })
      ],
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs', '.vue'],
      'import-x/parsers': { 'vue-eslint-parser': ['.vue'], '@typescript-eslint/parser': ['.ts', '.mts'] }
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }]
    }
  },
  {
    files: ['src/renderer/**', 'test/e2e/harness/bridge.js'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    // Tests probe raw JSON answers from loopback servers, whose shape is what they check.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },

  // The layers (docs/architecture.md, "Layers").
  layer(
    ['src/shared/**'],
    ELECTRON,
    NODE,
    into(['../main', '../preload', '../renderer', '@renderer'], 'src/shared is imported by every layer, so it imports none of them.')
  ),
  layer(
    ['src/main/core/**'],
    ELECTRON,
    into(['../../electron', '../../index'], 'core never reaches into src/main/electron: the Electron glue calls core, not the other way round.'),
    into(['../../cli', '../../cli.ts'], 'core never reaches into the CLI: the CLI calls core.'),
    into(['../../../renderer', '../../../preload', '@renderer'], 'main never imports the renderer or the preload: they meet over IPC.')
  ),
  layer(
    ['src/main/cli/**', 'src/main/cli.ts'],
    ELECTRON,
    into(['../electron', './electron', '../index'], 'The CLI runs in plain Node: it never loads the Electron glue.'),
    into(['../../renderer', '../renderer', '@renderer'], 'main never imports the renderer.')
  ),
  layer(
    ['src/main/electron/**', 'src/main/index.ts'],
    into(['../../renderer', '../renderer', '@renderer'], 'main never imports the renderer: they meet over IPC.'),
    into(['../cli', './cli'], 'The app does not run through the CLI.')
  ),
  layer(['src/preload/**'], into(['../main', '../renderer', '@renderer'], 'The preload is sandboxed: it imports only electron and src/shared.')),
  layer(
    ['src/renderer/**'],
    ELECTRON,
    NODE,
    into(['**/main', '**/preload'], 'The renderer never imports main or the preload: it reaches main through window.api (src/shared/ipc.ts).')
  ),
  prettier
);
