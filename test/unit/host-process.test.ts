// The client starts the bundled host (dist/host.js) as a child process and gets an answer over JSON-RPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startHost } from '../../src/client/hostProcess';

test('host answers host/info over IPC', async () => {
  assert.ok(existsSync('dist/host.js'), 'run `npm run build` first');
  const host = startHost('dist/host.js');
  try {
    const info = await host.info();
    assert.equal(info.node, process.version);
    assert.match(info.onnxruntime, /^1\.\d+\.\d+$/);
    assert.notEqual(info.pid, process.pid);
  } finally {
    host.dispose();
  }
});
