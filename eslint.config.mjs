// Import boundaries (see README "Import rules"), enforced like GitLens does with no-restricted-imports:
//   src/shared   -> its own files only (pure TypeScript: no node:*, no npm package, no vscode); every layer may import it
//   src/shared/node -> src/shared, node:*; never vscode or a layer; host, client, ui (and the engine) may import it
//   src/engine   -> nothing of ours but itself and src/shared; never vscode
//   src/host     -> engine, protocol; never vscode, client or ui
//   src/protocol -> its own files and src/shared (the settings schema's types)
//   src/client   -> protocol; never vscode, engine or host
//   src/ui, src/extension.ts -> the only code allowed to import vscode; may use client and protocol, not engine/host
//   webview/     -> protocol types and src/shared (not src/shared/node: it runs in a browser)
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const vscode = { name: 'vscode', message: 'Only src/ui and src/extension.ts may import vscode.' };
const layer = (name, why) => ({ group: [`**/${name}`, `**/${name}/**`, `../${name}/**`, `./${name}/**`], message: why });

const rules = (paths, patterns) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['test/fixtures/lint/**', '.gpu/**', 'node_modules/**', 'dist/**', 'out/**', '.cache/**', '.vscode-test/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', 'bin/**'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        window: 'readonly',
        document: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/shared/**/*.ts', 'test/fixtures/lint/shared/**/*.ts'],
    ignores: ['src/shared/node/**', 'test/fixtures/lint/shared/node/**'],
    rules: rules(
      [vscode],
      [
        {
          regex: '^(?!\\./(?!node(/|$)))',
          message:
            'src/shared is pure TypeScript for every layer and the webview: it imports only its own files (./name), no node:*, npm package, src/shared/node or other layer.',
        },
      ],
    ),
  },
  {
    files: ['src/shared/node/**/*.ts', 'test/fixtures/lint/shared/node/**/*.ts'],
    rules: rules(
      [vscode],
      ['engine', 'host', 'client', 'ui', 'protocol', 'webview'].map((l) =>
        layer(l, 'src/shared/node is below every layer: it imports only src/shared and Node.'),
      ),
    ),
  },
  {
    files: ['src/engine/**/*.ts', 'test/fixtures/lint/engine/**/*.ts'],
    rules: rules(
      [vscode],
      [
        layer('host', 'src/engine must not import the host.'),
        layer('client', 'src/engine must not import the client.'),
        layer('ui', 'src/engine must not import the UI.'),
        layer('protocol', 'src/engine is standalone: it must not import protocol types.'),
        layer('webview', 'src/engine must not import the webview.'),
      ],
    ),
  },
  {
    files: ['src/host/**/*.ts', 'test/fixtures/lint/host/**/*.ts'],
    rules: rules(
      [vscode],
      [
        layer('client', 'src/host must not import the client.'),
        layer('ui', 'src/host must not import the UI.'),
        layer('webview', 'src/host must not import the webview.'),
      ],
    ),
  },
  {
    files: ['src/protocol/**/*.ts', 'test/fixtures/lint/protocol/**/*.ts'],
    rules: rules([vscode], [{ regex: '^(?!\\./|\\.\\./shared/)', message: 'src/protocol imports nothing but its own files and src/shared.' }]),
  },
  {
    files: ['src/client/**/*.ts', 'test/fixtures/lint/client/**/*.ts'],
    rules: rules(
      [vscode],
      [
        layer('engine', 'src/client talks to the host over JSON-RPC; it must not import the engine.'),
        layer('host', 'src/client must not import host code; it starts the host as a process.'),
        layer('ui', 'src/client must not import the UI.'),
        layer('webview', 'src/client must not import the webview.'),
      ],
    ),
  },
  {
    files: ['src/ui/**/*.ts', 'src/extension.ts', 'test/fixtures/lint/ui/**/*.ts'],
    rules: rules(
      [],
      [
        layer('engine', 'The extension must not import the engine: training runs in the host process.'),
        layer('host', 'The extension must not import the host: start it through src/client.'),
        layer('webview', 'The extension must not import webview code.'),
      ],
    ),
  },
  {
    files: ['webview/**/*.ts', 'test/fixtures/lint/webview/**/*.ts'],
    rules: rules(
      [vscode],
      [
        layer('engine', 'The webview shares only types from src/protocol.'),
        layer('host', 'The webview shares only types from src/protocol.'),
        layer('client', 'The webview shares only types from src/protocol.'),
        layer('ui', 'The webview shares only types from src/protocol.'),
        { group: ['**/shared/node', '**/shared/node/**'], message: 'The webview runs in a browser: it may import src/shared, not src/shared/node.' },
      ],
    ),
  },
);
