// For machines that can download desktop VS Code: `npx vscode-test` runs the same integration suite
// (test/integration/suite) inside VS Code through @vscode/test-cli + @vscode/test-electron.
// Offline machines (and CI here) use test/integration/run-code-server.mjs instead.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/integration/suite/**/*.test.js',
  version: '1.100.3',
  workspaceFolder: './test/fixtures/workspace',
  mocha: { ui: 'tdd', timeout: 120000 },
});
