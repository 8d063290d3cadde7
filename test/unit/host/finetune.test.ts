// The fine-tuning loop with the starter model on the tiny fixture: metrics lines, best checkpoint, test
// evaluation; cancel then resume reaches the same final metrics and predictions as an uninterrupted run;
// early stopping; predicting from the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateRun, jobHandlers, predictTexts } from '../../../src/host/jobs';
import { epochOrder, runFinetune } from '../../../src/host/train';
import { readRun } from '../../../src/host/runs';
import type { MetricRecord, TrainParams } from '../../../src/protocol';
import { readTrainerParams, trainerCheckpointPath } from '../../../src/engine';
import { predict as predictExported } from '../../../src/host/export/loadExported';
import { readSafetensorsWithMetadata } from '../../../src/engine/weights/safetensors';
import { tempDir } from '../tempDir';

const base = (root: string, runId: string): TrainParams => ({
  model: 'starter',
  trainFile: 'test/fixtures/host/tiny-train.jsonl',
  evalFile: 'test/fixtures/host/tiny-eval.jsonl',
  runsRoot: root,
  runId,
  config: { epochs: 2, batchSize: 8, lr: 2e-4, evalEvery: 4, seed: 7, warmupSteps: 2 },
});

test('data order is a function of seed and epoch only', () => {
  assert.deepEqual(epochOrder(20, 3, 1, true), epochOrder(20, 3, 1, true));
  assert.notDeepEqual(epochOrder(20, 3, 1, true), epochOrder(20, 3, 2, true));
  assert.deepEqual(epochOrder(5, 3, 1, false), [0, 1, 2, 3, 4]);
});

test('fine-tune, cancel + resume = uninterrupted; predict and evaluate from the run', async (t) => {
  const root = tempDir(t, 'gft-ft-');
  const full = await runFinetune(base(root, 'full'));
  assert.equal(full.status, 'completed', full.error);
  const d = readRun(full.runDir);
  const steps = d.metrics.filter((m) => m.type === 'step');
  assert.deepEqual(
    steps.map((s) => s.step),
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
  for (const s of steps) for (const k of ['step', 'epoch', 'loss', 'lr', 'step_ms']) assert.equal(typeof (s as Record<string, unknown>)[k], 'number', k);
  assert.ok(steps[0].type === 'step' && steps[1].type === 'step' && steps[0].lr < steps[1].lr, 'warmup raises the lr');
  const evals = d.metrics.filter((m) => m.type === 'eval');
  assert.deepEqual(
    evals.map((e) => e.type === 'eval' && `${e.split}@${e.step}`),
    ['validation@4', 'validation@8', 'validation@12', 'validation@16', 'test@' + d.manifest.best!.step],
  );
  assert.ok(existsSync(join(full.runDir, 'checkpoints', 'best', 'trainer.safetensors')));
  assert.ok(existsSync(join(full.runDir, 'checkpoints', 'last', 'loop-state.json')));
  assert.equal(d.predictions.length, 20);
  assert.equal(d.manifest.model!.id, 'starter');

  // Cancel after step 6 (saves 'last'), then resume the same run folder.
  const ac = new AbortController();
  const part = await runFinetune(base(root, 'resumed'), {
    signal: ac.signal,
    metric: (m) => {
      if (m.record.type === 'step' && m.record.step === 6) ac.abort();
    },
  });
  assert.equal(part.status, 'cancelled');
  const mid = readRun(part.runDir);
  assert.equal(mid.manifest.status, 'cancelled');
  assert.equal(Math.max(...mid.metrics.map((m) => m.step)), 6);
  // a setting the run cannot change is refused with one line naming it, never ignored
  await assert.rejects(
    runFinetune({ ...base(root, 'ignored'), config: { ...base(root, '').config, lr: 1e-3 }, resumeRunDir: part.runDir }),
    /^Error: a resumed run keeps its settings: learning rate \(the run has 0\.0002\) cannot change; only epochs, device, threads can/,
  );
  const resumed = await runFinetune({ ...base(root, 'ignored'), resumeRunDir: part.runDir });
  assert.equal(resumed.status, 'completed', resumed.error);
  assert.equal(resumed.runDir, part.runDir);
  const r = readRun(part.runDir);
  assert.deepEqual(
    r.metrics.filter((m) => m.type === 'step').map((s) => s.step),
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
  const strip = (xs: typeof r.metrics) =>
    xs.map((m) => (m.type === 'step' ? [m.step, m.loss, m.lr] : [m.step, m.split, m.metrics.accuracy, m.metrics.logLoss]));
  assert.deepEqual(strip(r.metrics), strip(d.metrics));
  assert.deepEqual(resumed.test, full.test);
  assert.deepEqual(r.predictions, d.predictions);

  const p = await predictTexts(full.runDir, ['brilliant wonderful moving fun', 'awful boring dull mess']);
  assert.equal(p.predictions.length, 2);
  p.predictions.forEach((x) => assert.ok(Math.abs(x.probs[0] + x.probs[1] - 1) < 1e-6));
  const exported = await jobHandlers.export({ runDir: full.runDir, out: join(root, 'export') });
  assert.ok(
    exported.files.some((f) => f.endsWith(join('onnx', 'model.onnx'))),
    exported.files.join(', '),
  );
  const ev = await evaluateRun(full.runDir, 'test/fixtures/host/tiny-eval.jsonl');
  assert.ok(Math.abs(ev.accuracy - full.test!.accuracy) < 1e-12);
  ev.predictions.forEach((x, i) =>
    assert.deepEqual(
      x.probs.map((v) => v.toFixed(4)),
      d.predictions[i].probs.map((v) => v.toFixed(4)),
    ),
  );
});

test("'last' shares the file of 'best' when no step ran between them; replacing one leaves the other's weights, and a run resumed from it matches an uninterrupted run", async (t) => {
  const root = tempDir(t, 'gft-ft-');
  const config = { ...base(root, '').config, evalEvery: 'epoch' as const };
  // cancelled right after epoch 1's evaluation (8 steps an epoch)
  const ac = new AbortController();
  const part = await runFinetune(
    { ...base(root, 'part'), config },
    { signal: ac.signal, metric: (m) => m.record.type === 'eval' && m.record.step === 8 && ac.abort() },
  );
  assert.equal(part.status, 'cancelled');
  const file = (n: string) => trainerCheckpointPath(join(part.runDir, 'checkpoints', n));
  const stepOf = (n: string) => Number(readSafetensorsWithMetadata(file(n)).metadata.step);
  // the best checkpoint, then 'last', from the same weights: one file with two names
  assert.equal(stepOf('last'), 8);
  assert.equal(statSync(file('best')).ino, statSync(file('last')).ino);
  assert.equal(statSync(file('best')).nlink, 2);
  const bestOfEpoch1 = readTrainerParams(file('best'));
  // epoch 2 from 'last': 'last' (and 'best' if epoch 2 is better) replaced; each file holds its own step
  const resumed = await runFinetune({ ...base(root, 'ignored'), config, resumeRunDir: part.runDir });
  assert.equal(resumed.status, 'completed', resumed.error);
  const d = readRun(part.runDir);
  assert.equal(stepOf('last'), 16);
  assert.equal(stepOf('best'), d.manifest.best!.step);
  if (d.manifest.best!.step === 8) assert.deepEqual(readTrainerParams(file('best')), bestOfEpoch1, "epoch 1's best kept its weights");
  else assert.equal(statSync(file('best')).ino, statSync(file('last')).ino, "epoch 2's best is shared again");
  // resumed from the shared file = trained in one go
  const whole = readRun((await runFinetune({ ...base(root, 'whole'), config })).runDir);
  const losses = (xs: MetricRecord[]) => xs.map((m) => (m.type === 'step' ? m.loss : m.metrics.logLoss));
  assert.deepEqual(losses(d.metrics), losses(whole.metrics));
  assert.deepEqual(d.predictions, whole.predictions);
});

test('resume with more epochs (of a run.json an older gft wrote): the run continues to the new total and run.json records it', async (t) => {
  const root = tempDir(t, 'gft-ft-');
  const ac = new AbortController();
  const part = await runFinetune(
    { ...base(root, 'more'), config: { ...base(root, '').config, layerLrDecay: 0.8 } },
    {
      signal: ac.signal,
      metric: (m) => {
        if (m.record.type === 'step' && m.record.step === 3) ac.abort();
      },
    },
  );
  assert.equal(part.status, 'cancelled');
  // written as an older gft wrote it: the train-layers setting under its old name 'freeze'
  const manifestPath = join(part.runDir, 'run.json');
  const old = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const { trainLayers, ...rest } = old.config;
  assert.equal(trainLayers, 'all');
  writeFileSync(manifestPath, JSON.stringify({ ...old, config: { ...rest, freeze: trainLayers } }));
  assert.equal(readRun(part.runDir).manifest.config.trainLayers, 'all', 'read with the new name');
  await assert.rejects(
    runFinetune({ ...base(root, 'ignored'), config: { epochs: 3, layerLrDecay: 0.9 }, resumeRunDir: part.runDir }),
    /^Error: a resumed run keeps its settings: layer-wise learning-rate decay \(the run has 0\.8\) cannot change/,
  );
  const r = await runFinetune({ ...base(root, 'ignored'), config: { epochs: 3 }, resumeRunDir: part.runDir });
  assert.equal(r.status, 'completed', r.error);
  const d = readRun(part.runDir);
  // 8 steps per epoch: 3 epochs are 24 steps, each once
  assert.deepEqual(
    d.metrics.filter((m) => m.type === 'step').map((s) => s.step),
    Array.from({ length: 24 }, (_, i) => i + 1),
  );
  assert.equal(d.manifest.config.epochs, 3);
  assert.equal(d.manifest.config.layerLrDecay, 0.8, 'the resumed run keeps its layer-wise learning-rate decay');
  assert.match(readFileSync(join(part.runDir, 'log.txt'), 'utf8'), /epochs 2 -> 3: the run continues to the new total/);
  const onDisk = JSON.parse(readFileSync(manifestPath, 'utf8')).config;
  assert.ok(onDisk.trainLayers === 'all' && !('freeze' in onDisk), 'the resumed run.json is written with the new name');
});

test('early stopping with patience, and bad settings fail with one line', async (t) => {
  const root = tempDir(t, 'gft-ft-');
  const r = await runFinetune({
    ...base(root, 'es'),
    config: { epochs: 6, batchSize: 30, lr: 1e-9, evalEvery: 'epoch', patience: 1, bestMetric: 'accuracy', seed: 1 },
  });
  assert.equal(r.status, 'completed', r.error);
  const d = readRun(r.runDir);
  const vals = d.metrics.filter((m) => m.type === 'eval' && m.split === 'validation');
  // The accuracy cannot improve with a learning rate of 1e-9: the second evaluation stops training.
  assert.equal(vals.length, 2);
  assert.equal(d.metrics.filter((m) => m.type === 'step').length, 4);
  assert.match(readFileSync(join(r.runDir, 'log.txt'), 'utf8'), /early stopping/);
  await assert.rejects(runFinetune({ ...base(root, 'bad'), config: { epochs: 0 } }), /^Error: epochs must be a whole number from 1 to 1000 \(got 0\)$/);
  await assert.rejects(runFinetune({ ...base(root, 'bad2'), resumeRunDir: root }), /not a run folder/);
});

test('early stopping: the run stops before its planned steps, the best checkpoint is restored, tested and exported, run.json says where', async (t) => {
  const root = tempDir(t, 'gft-ft-');
  // validation every 2 steps, patience 1: on this fixture accuracy reaches its best before the last of 32 planned steps
  const r = await runFinetune({ ...base(root, 'stop'), config: { epochs: 4, batchSize: 8, lr: 2e-4, evalEvery: 2, seed: 7, patience: 1 } });
  assert.equal(r.status, 'completed', r.error);
  const d = readRun(r.runDir);
  const stop = d.manifest.stop!;
  const steps = d.metrics.filter((m) => m.type === 'step');
  assert.ok(stop.early, JSON.stringify(stop));
  assert.equal(stop.plannedSteps, 32);
  assert.equal(stop.step, steps.length, 'stopped where the last step ran');
  assert.ok(stop.step < stop.plannedSteps);
  assert.equal(stop.restoredStep, d.manifest.best!.step);
  assert.ok(stop.restoredStep < stop.step, 'the best checkpoint is older than the last step');
  // weights moved after the best step: restoring it matters
  const best = readTrainerParams(trainerCheckpointPath(join(r.runDir, 'checkpoints', 'best')));
  const last = readTrainerParams(trainerCheckpointPath(join(r.runDir, 'checkpoints', 'last')));
  assert.ok(
    [...best].some(([n, v]) => v.some((x, i) => x !== last.get(n)![i])),
    'best and last checkpoints differ',
  );
  // the test set is the validation file here: the test evaluation is the validation evaluation of the restored step
  const evalAt = (split: string, step: number) => d.metrics.find((m) => m.type === 'eval' && m.split === split && m.step === step);
  const testRec = d.metrics.find((m) => m.type === 'eval' && m.split === 'test');
  assert.equal(testRec?.step, stop.restoredStep);
  const loss = (m: MetricRecord | undefined) => (m?.type === 'eval' ? m.metrics.logLoss : NaN);
  assert.ok(Math.abs(loss(testRec) - loss(evalAt('validation', stop.restoredStep))) < 1e-9, 'tested with the best weights');
  assert.notEqual(loss(testRec), loss(evalAt('validation', stop.step)), 'not with the last weights');
  assert.match(
    readFileSync(join(r.runDir, 'log.txt'), 'utf8'),
    new RegExp(`early stopping at step ${stop.step} of 32: .* best checkpoint \\(step ${stop.restoredStep}\\)`),
  );
  // the export is the best checkpoint: its predictions are the run's test predictions
  const out = join(root, 'export');
  await jobHandlers.export({ runDir: r.runDir, out });
  const texts = readFileSync('test/fixtures/host/tiny-eval.jsonl', 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).text as string);
  const exported = await predictExported(out, texts);
  d.predictions.forEach((p, i) => p.probs.forEach((q, j) => assert.ok(Math.abs(q - exported[i][j]) < 1e-4, `text ${i}: ${exported[i]} vs ${p.probs}`)));
  // a run that is not stopped early records that too
  const full = readRun((await runFinetune({ ...base(root, 'all'), config: { ...base(root, '').config, epochs: 1 } })).runDir).manifest.stop;
  assert.deepEqual(full, { early: false, step: 8, plannedSteps: 8, restoredStep: full!.restoredStep });
});

test('evaluation can read whole texts (chunks) while training reads one window per text', async (t) => {
  const root = tempDir(t, 'gft-ft-');
  const r = await runFinetune({
    ...base(root, 'chunks'),
    config: { epochs: 1, batchSize: 20, lr: 1e-4, maxLength: 4, longText: 'head', evalLongText: 'chunks', seed: 3 },
  });
  assert.equal(r.status, 'completed', r.error);
  const log = readFileSync(join(r.runDir, 'log.txt'), 'utf8');
  assert.match(log, /60 training texts -> 60 rows \(head, max length 4\)/);
  assert.match(log, /evaluation reads chunks/);
  // One prediction per text, whatever the number of windows read.
  assert.equal(readRun(r.runDir).predictions.length, 20);
  assert.equal(r.test!.n, 20);
});

test('training steps run in a worker thread: the host event loop keeps ticking during a step', async (t) => {
  const root = tempDir(t, 'gft-ft-');
  let ticks = 0;
  let counting = false;
  let stepMs = 0;
  let steps = 0;
  const timer = setInterval(() => {
    if (counting) ticks++;
  }, 1);
  try {
    const r = await runFinetune(
      { ...base(root, 'responsive'), config: { ...base(root, 'x').config, epochs: 1, evalEvery: 'epoch' } },
      {
        metric: (m) => {
          if (m.record.type !== 'step') return;
          // count from the end of step 1 to the end of the last step
          if (counting) {
            stepMs += m.record.step_ms;
            steps++;
          }
          counting = true;
        },
      },
    );
    assert.equal(r.status, 'completed', r.error);
  } finally {
    clearInterval(timer);
  }
  assert.ok(steps >= 5, `${steps} steps counted`);
  // in the host's own thread the timer could only fire between steps (about once per step); in a worker thread it
  // fires throughout (about once per millisecond; ask for a twentieth of that on a loaded machine)
  assert.ok(ticks > Math.max(4 * steps, stepMs / 20), `${ticks} timer ticks during ${steps} steps of ${stepMs} ms in all`);
});
