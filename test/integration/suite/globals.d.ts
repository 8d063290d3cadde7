// The TDD interface the integration tests are written against: mocha's (when run by @vscode/test-cli, see
// .vscode-test.mjs) or the small runner in index.ts (offline, inside code-server). Only the subset used here.
declare function suite(name: string, body: () => void): void;
declare function test(name: string, body: () => unknown, timeoutMs?: number): void;
declare function suiteSetup(body: () => unknown): void;
declare function suiteTeardown(body: () => unknown): void;
