// The import rules of README.md are enforced by ESLint: each deliberate violation under test/fixtures/lint
// must be reported, and the real source tree must lint clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

async function lintMessages(patterns: string[], ignore = true): Promise<{ file: string; message: string }[]> {
  const eslint = new ESLint({ ignore });
  const results = await eslint.lintFiles(patterns);
  return results.flatMap((r) => r.messages.map((m) => ({ file: r.filePath, message: `${m.ruleId}: ${m.message}` })));
}

test('engine importing vscode and the host is reported', async () => {
  const msgs = await lintMessages(['test/fixtures/lint/engine/imports-vscode.ts'], false);
  assert.ok(msgs.some((m) => /'vscode' import is restricted/.test(m.message)), JSON.stringify(msgs));
  assert.ok(msgs.some((m) => /must not import the host/.test(m.message)), JSON.stringify(msgs));
});

test('host importing vscode and the UI is reported', async () => {
  const msgs = await lintMessages(['test/fixtures/lint/host/imports-ui.ts'], false);
  assert.ok(msgs.some((m) => /'vscode' import is restricted/.test(m.message)));
  assert.ok(msgs.some((m) => /must not import the UI/.test(m.message)));
});

test('webview importing the engine is reported', async () => {
  const msgs = await lintMessages(['test/fixtures/lint/webview/imports-engine.ts'], false);
  assert.ok(msgs.some((m) => /shares only types from src\/protocol/.test(m.message)));
});

test('protocol importing any module is reported', async () => {
  const msgs = await lintMessages(['test/fixtures/lint/protocol/imports-node.ts'], false);
  assert.ok(msgs.some((m) => /src\/protocol imports nothing/.test(m.message)));
});

test('the source tree itself has no boundary violations', async () => {
  const msgs = await lintMessages(['src', 'webview']);
  const boundary = msgs.filter((m) => m.message.startsWith('no-restricted-imports'));
  assert.deepEqual(boundary, []);
});
