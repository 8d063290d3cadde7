// The pre-flight probe (src/host/train/estimate.ts) and the device/threads settings of training (device.ts):
// real steps of the starter model on the tiny fixture give finite positive times, the step count follows the
// data and batch size, nothing is written; run.json records the device and threads a run used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { evaluationPasses, executionRequest, estimateTraining, resolveExecution, runFinetune } from '../../../src/host/train';
import { readRun } from '../../../src/host/runs';
import { writeTinyTokenizer } from '../tokenize/tinyTokenizer';
import { tempDir } from '../tempDir';

const trainFile = resolve('test/fixtures/host/tiny-train.jsonl');
const evalFile = resolve('test/fixtures/host/tiny-eval.jsonl');

test('probe: real steps of the starter model give finite positive estimates and write nothing', async (t) => {
  const cwd = process.cwd();
  const dir = tempDir(t, 'gft-probe-');
  process.chdir(dir);
  const logs: string[] = [];
  try {
    const r = await estimateTraining(
      { model: 'starter', trainFile, evalFile, config: { epochs: 3, batchSize: 8, evalEvery: 'epoch', seed: 3 }, steps: 4, device: 'cpu', threads: 1 },
      { log: (l) => logs.push(l.message) },
    );
    assert.equal(r.trainTexts, 60);
    assert.equal(r.stepsPerEpoch, Math.ceil(60 / 8));
    assert.equal(r.measuredSteps, 4);
    // The first steps of a run are slower: the estimate is the mean of the later half of the measured steps.
    assert.equal(r.stepSeconds.length, 4);
    assert.ok(Math.abs(r.secondsPerStep - (r.stepSeconds[2] + r.stepSeconds[3]) / 2) < 1e-12);
    assert.ok(
      r.notes.some((n) => n.startsWith('measured steps: ') && n.includes('the estimate is the mean of the last 2')),
      r.notes.join(' | '),
    );
    assert.equal(r.rowsPerStep, 8);
    for (const k of ['secondsPerStep', 'secondsPerEpoch', 'evalSeconds', 'totalSeconds', 'setupSeconds', 'peakRssMiB'] as const) {
      assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${k} = ${r[k]}`);
    }
    assert.ok(Math.abs(r.secondsPerEpoch - r.secondsPerStep * r.stepsPerEpoch) < 1e-9);
    assert.ok(Math.abs(r.totalSeconds - (r.secondsPerEpoch * 3 + r.evalSeconds)) < 1e-9);
    // --eval FILE is both validation and test: a validation pass per epoch, then the test pass.
    assert.equal(r.evalPasses, 4);
    assert.equal(r.deviceKind, 'cpu');
    assert.equal(r.threads, 1);
    assert.match(r.device, /^cpu, 1 thread /);
    // trainLayers 'all' (the default) trains every parameter of the ~7M-parameter starter model.
    assert.ok(r.totalParams > 5e6 && r.trainableParams === r.totalParams, `${r.trainableParams} / ${r.totalParams}`);
    assert.ok(
      r.notes.some((n) => n.includes('longer than 128 tokens')),
      r.notes.join(' | '),
    );
    assert.ok(
      logs.some((l) => l.includes('8 steps per epoch')),
      logs.join(' | '),
    );
    assert.deepEqual(readdirSync(dir), [], 'the probe must not write a run folder');
  } finally {
    process.chdir(cwd);
  }
});

test('probe: head-only and sentence-mean settings change what is trained and read', async () => {
  const r = await estimateTraining({
    model: 'starter',
    trainFile,
    evalFile,
    config: { batchSize: 4, trainLayers: 'head', longText: 'sentence-mean', docPieces: 3, epochs: 1 },
    steps: 1,
    device: 'cpu',
  });
  assert.equal(r.stepsPerEpoch, 15);
  assert.ok(r.trainableParams > 0 && r.trainableParams < r.totalParams / 10, `head only: ${r.trainableParams} of ${r.totalParams}`);
  assert.ok(
    r.notes.some((n) => n.startsWith('sentence-mean reads up to 3 sentences per text per step')),
    r.notes.join(' | '),
  );
  await assert.rejects(estimateTraining({ model: 'starter', trainFile, config: {}, steps: 0 }), /probe steps must be a whole number from 1 to 50 \(got 0\)/);
  // 60 rows cannot fill one step of 61 accumulated micro-batches: one line, no endless search for a batch.
  await assert.rejects(
    estimateTraining({ model: 'starter', trainFile, config: { batchSize: 1, gradAccumSteps: 61 }, device: 'cpu' }),
    /^Error: no training step can be formed from 60 rows with batch size 1 x 61 accumulation steps; lower the gradient accumulation$/,
  );
});

test('probe: a Hugging Face BERT folder with windows (chunks) and the top layer trained', async (t) => {
  const dir = tempDir(t, 'gft-probe-');
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join('test/fixtures/parity/bert', f), join(dir, f));
  writeTinyTokenizer(dir, 'bert');
  const logs: string[] = [];
  const r = await estimateTraining(
    {
      model: dir,
      trainFile,
      evalFile,
      config: { batchSize: 8, longText: 'chunks', maxLength: 6, trainLayers: { top: 1 }, epochs: 2 },
      steps: 1,
      device: 'cpu',
    },
    { log: (l) => logs.push(l.message) },
  );
  // 7-word texts in windows of 6 tokens ([CLS] + 4 + [SEP]): every text gives several training rows.
  assert.ok(r.trainRows > r.trainTexts, `${r.trainRows} rows from ${r.trainTexts} texts`);
  assert.equal(r.stepsPerEpoch, Math.ceil(r.trainRows / 8));
  assert.ok(
    r.notes.some((n) => n.startsWith(`chunks trains on every window: ${r.trainRows} windows from 60 texts`)),
    r.notes.join(' | '),
  );
  // The top layer, the pooler/classifier head: some but not all of the weights.
  assert.ok(r.trainableParams > 0 && r.trainableParams < r.totalParams, `${r.trainableParams} / ${r.totalParams}`);
  assert.ok(r.secondsPerStep > 0 && r.evalSeconds > 0 && Number.isFinite(r.totalSeconds));
  assert.ok(
    logs.some((l) => l.includes('(chunks, max length 6)')),
    logs.join(' | '),
  );
});

test('evaluation passes: per epoch, every N steps (plus the final weights), and the test pass', () => {
  const v = { batches: [], examples: [] };
  assert.deepEqual(evaluationPasses({ validation: v, test: v, totalSteps: 30, stepsPerEpoch: 10 }, { evalEvery: 'epoch', epochs: 3 }), {
    validation: 3,
    test: 1,
  });
  assert.deepEqual(evaluationPasses({ validation: v, test: v, totalSteps: 30, stepsPerEpoch: 10 }, { evalEvery: 7, epochs: 3 }), { validation: 5, test: 1 });
  assert.deepEqual(evaluationPasses({ totalSteps: 30, stepsPerEpoch: 10 }, { evalEvery: 'epoch', epochs: 3 }), { validation: 0, test: 0 });
  // 'auto' (the default): a 1-epoch run of 22 steps evaluates every 6 steps (6, 12, 18, and the final weights at 22);
  // 3 epochs of 10 steps twice per epoch; 4 or more epochs once per epoch; an epoch of one step once.
  assert.deepEqual(evaluationPasses({ validation: v, test: v, totalSteps: 22, stepsPerEpoch: 22 }, { evalEvery: 'auto', epochs: 1 }), {
    validation: 4,
    test: 1,
  });
  assert.deepEqual(evaluationPasses({ validation: v, test: v, totalSteps: 30, stepsPerEpoch: 10 }, { evalEvery: 'auto', epochs: 3 }), {
    validation: 6,
    test: 1,
  });
  assert.deepEqual(evaluationPasses({ validation: v, test: v, totalSteps: 40, stepsPerEpoch: 10 }, { evalEvery: 'auto', epochs: 4 }), {
    validation: 4,
    test: 1,
  });
  assert.deepEqual(evaluationPasses({ validation: v, test: v, totalSteps: 1, stepsPerEpoch: 1 }, { evalEvery: 'auto', epochs: 1 }), { validation: 1, test: 1 });
});

test('device and threads: the request, else GFT_DEVICE / GFT_THREADS, else auto and one per core; bad values are one line', async () => {
  assert.deepEqual(executionRequest({}, {}), { device: 'auto', threads: 0 });
  assert.deepEqual(executionRequest({}, { GFT_DEVICE: 'cpu', GFT_THREADS: '3' }), { device: 'cpu', threads: 3 });
  assert.deepEqual(executionRequest({ device: 'webgpu', threads: 2 }, { GFT_DEVICE: 'cpu', GFT_THREADS: '3' }), { device: 'webgpu', threads: 2 });
  assert.throws(
    () => executionRequest({}, { GFT_DEVICE: 'tpu' }),
    /^Error: GFT_DEVICE \(the guidedFinetune.device setting\) must be one of auto, cpu, cuda, webgpu \(got 'tpu'\)$/,
  );
  assert.throws(() => executionRequest({ threads: -1 }, {}), /^Error: threads must be a whole number from 0 to 1024 \(got -1\)$/);
  // An explicit accelerator that does not work: CPU, with the engine's one-line reason and fallback set.
  const e = await resolveExecution(
    { device: 'cuda', threads: 2 },
    { env: {}, select: { probe: async () => ({ ok: false, reason: 'libcudnn.so.9: cannot open shared object file', ms: 1 }) } },
  );
  assert.equal(e.device, 'cpu');
  assert.equal(e.fallback, true);
  assert.equal(e.threads, 2);
  assert.match(e.summary, /^cpu, 2 threads \(cuda: libcudnn\.so\.9: cannot open shared object file\) · cpu: /);
});

test('a run records the device and threads it used (from GFT_DEVICE / GFT_THREADS when the request has none)', async (t) => {
  const root = tempDir(t, 'gft-probe-');
  const saved = { d: process.env.GFT_DEVICE, t: process.env.GFT_THREADS };
  process.env.GFT_DEVICE = 'cpu';
  process.env.GFT_THREADS = '1';
  try {
    const devices = new Set<string>();
    const r = await runFinetune(
      { model: 'starter', trainFile, evalFile, runsRoot: root, runId: 'env', config: { epochs: 1, batchSize: 30, seed: 1 } },
      { progress: (p) => devices.add(p.device) },
    );
    assert.equal(r.status, 'completed', r.error);
    // Progress notifications (status bar) name the same device and threads.
    assert.equal(devices.size, 1);
    assert.match([...devices][0], /^cpu, 1 thread · cpu: /);
    const m = readRun(r.runDir).manifest;
    assert.match(m.device, /^cpu, 1 thread · cpu: /);
    assert.deepEqual(m.config.execution, {
      requested: 'cpu',
      device: 'cpu',
      providers: ['cpu'],
      trainer: 'host',
      threads: 1,
      threadsFrom: 'setting',
      fallback: false,
    });
    const bad = runFinetune({ model: 'starter', trainFile, evalFile, runsRoot: root, runId: 'bad', config: {}, device: 'tpu' as never });
    await assert.rejects(bad, /^Error: device must be one of auto, cpu, cuda, webgpu \(got 'tpu'\)$/);
    assert.deepEqual(readdirSync(root), ['env'], 'a bad device starts no run');
  } finally {
    for (const [k, v] of [
      ['GFT_DEVICE', saved.d],
      ['GFT_THREADS', saved.t],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
