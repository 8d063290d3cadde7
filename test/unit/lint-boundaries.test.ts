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
  assert.ok(
    msgs.some((m) => /'vscode' import is restricted/.test(m.message)),
    JSON.stringify(msgs),
  );
  assert.ok(
    msgs.some((m) => /must not import the host/.test(m.message)),
    JSON.stringify(msgs),
  );
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

test('src/shared importing node:*, vscode, a layer or src/shared/node is reported; its own files are not', async () => {
  const msgs = await lintMessages(['test/fixtures/lint/shared/imports-node.ts'], false);
  const pure = (spec: string) => msgs.some((m) => m.message.includes(`'${spec}' import is restricted`) && /src\/shared is pure/.test(m.message));
  assert.ok(pure('node:fs'), JSON.stringify(msgs));
  assert.ok(pure('vscode'), JSON.stringify(msgs));
  assert.ok(pure('../../../../src/host/runs'), JSON.stringify(msgs));
  assert.ok(pure('./node/files'), JSON.stringify(msgs));
  assert.ok(!msgs.some((m) => m.message.includes("'./format'")), JSON.stringify(msgs));
});

test('src/shared/node importing vscode or a layer is reported; Node and src/shared are allowed', async () => {
  const msgs = await lintMessages(['test/fixtures/lint/shared/node/imports-host.ts'], false);
  assert.ok(
    msgs.some((m) => /'vscode' import is restricted/.test(m.message)),
    JSON.stringify(msgs),
  );
  assert.ok(
    msgs.some((m) => /src\/shared\/node is below every layer/.test(m.message)),
    JSON.stringify(msgs),
  );
  assert.ok(!msgs.some((m) => m.message.includes("'node:fs'") || m.message.includes("'../format'")), JSON.stringify(msgs));
});

test('the webview importing src/shared/node is reported; src/shared is allowed, and so it is for the engine', async () => {
  const web = await lintMessages(['test/fixtures/lint/webview/imports-shared-node.ts'], false);
  assert.ok(
    web.some((m) => /may import src\/shared, not src\/shared\/node/.test(m.message)),
    JSON.stringify(web),
  );
  assert.ok(!web.some((m) => m.message.includes('shared/format')), JSON.stringify(web));
  const engine = await lintMessages(['test/fixtures/lint/engine/imports-shared.ts'], false);
  assert.deepEqual(
    engine.filter((m) => m.message.startsWith('no-restricted-imports')),
    [],
  );
});

test('the source tree itself has no boundary violations', async () => {
  const msgs = await lintMessages(['src', 'webview']);
  const boundary = msgs.filter((m) => m.message.startsWith('no-restricted-imports'));
  assert.deepEqual(boundary, []);
});
