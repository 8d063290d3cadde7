// The extension's device/threads settings reach training: the extension starts the host with GFT_DEVICE and
// GFT_THREADS (src/ui/hostService.ts); the bundled host (dist/host.js) answers run/probe with those, and a request
// that names its own device/threads wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startHost } from '../../../src/client/hostProcess';
import { sendRequest } from '../../../src/client/rpc';
import { Requests, type ProbeParams } from '../../../src/protocol';

test('the host process probes with GFT_DEVICE / GFT_THREADS from its environment', async () => {
  assert.ok(existsSync('dist/host.js'), 'run `npm run build` first');
  const host = startHost('dist/host.js', { env: { GFT_DEVICE: 'cpu', GFT_THREADS: '1' } });
  try {
    const p: ProbeParams = { model: 'starter', trainFile: resolve('test/fixtures/host/tiny-train.jsonl'), config: { batchSize: 12, epochs: 1 }, steps: 1 };
    const fromEnv = await sendRequest(host.connection, Requests.probe, p);
    assert.equal(fromEnv.deviceKind, 'cpu');
    assert.equal(fromEnv.threads, 1);
    assert.equal(fromEnv.stepsPerEpoch, 5);
    assert.ok(fromEnv.secondsPerStep > 0);
    const explicit = await sendRequest(host.connection, Requests.probe, { ...p, threads: 2 });
    assert.equal(explicit.threads, 2);
    await assert.rejects(
      sendRequest(host.connection, Requests.probe, { ...p, device: 'tpu' } as unknown as ProbeParams),
      /^Error: device must be one of auto, cpu, cuda, webgpu \(got 'tpu'\)$/,
    );
  } finally {
    host.dispose();
  }
});
