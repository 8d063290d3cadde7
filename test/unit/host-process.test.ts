// The client starts the bundled host (dist/host.js) as a child process and gets an answer over JSON-RPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startHost } from '../../src/client/hostProcess';
import { sendRequest } from '../../src/client/rpc';
import { Requests } from '../../src/protocol';

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
  const exit = await host.exited;
  assert.ok(exit.signal === 'SIGTERM' || exit.code === 0, JSON.stringify(exit));
});

test('a pending request is rejected when the host dies (no caller waits forever)', async () => {
  const host = startHost('dist/host.js');
  await host.info();
  const pending = sendRequest(host.connection, Requests.listRuns, { runsRoot: '/nonexistent-gft-root' });
  host.child.kill('SIGKILL');
  // Either the answer raced the kill, or the request is rejected once the exit is seen.
  await pending.then(
    (v) => assert.deepEqual(v, []),
    (e: Error) => assert.match(e.message, /disposed|closed/i),
  );
  assert.equal((await host.exited).signal, 'SIGKILL');
});
