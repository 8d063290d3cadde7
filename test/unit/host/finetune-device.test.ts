// Fine-tuning runs on WebGPU through the host (runFinetune with device webgpu: the worker's device trainer, state
// in GPU buffers) train like the same run on the CPU (the host trainer): step losses, the test metrics, the
// predictions, saliency of the misclassified texts. A run continues across devices from its last checkpoint (cpu ->
// webgpu and webgpu -> cpu) and ends where the uninterrupted run ends. Sentence-mean pooling (doc_pool inputs) runs
// on the device, and so do the starter model and the pre-flight estimate. Gradient accumulation on a device is refused before a run folder exists. Without a WebGPU adapter
// (CI installs Mesa's lavapipe) the WebGPU tests are skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors, type SafeTensor } from '../../../src/engine/weights/safetensors';
import { probeWebgpu } from '../../../src/engine/devices';
import { NormalRng } from '../../../src/engine/models';
import { estimateTraining, runFinetune } from '../../../src/host/train';
import { classifierOf } from '../../../src/host/train/model';
import { createTrainer, type Batch, type TrainConfig } from '../../../src/engine';
import { DeviceTrainer } from '../../../src/engine/devices';
import { SALIENCY_FILE } from '../../../src/host/train/saliency';
import { readRun } from '../../../src/host/runs';
import { RUN_FILES } from '../../../src/shared/runLayout';
import type { TrainParams } from '../../../src/protocol';
import { WORDS, tinyModel, writeWordPiece } from '../export/tiny';

const webgpu = probeWebgpu();
async function skipWithoutWebgpu(t: { skip: (m: string) => void }): Promise<boolean> {
  const p = await webgpu;
  if (p.ok) return false;
  t.skip(`no WebGPU adapter here: ${p.reason}`);
  return true;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-6, Math.abs(b));

/** A tiny BERT folder (2 layers, hidden 32, dropout 0.1) with a WordPiece tokenizer. */
function bertFolder(root: string): string {
  const dir = join(root, 'bert');
  const vocab = writeWordPiece(dir, 'bert');
  const { model, weights, json } = tinyModel('bert', vocab, 5);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...json, hidden_act: 'gelu', hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 }));
  writeSafetensors(
    join(dir, 'model.safetensors'),
    new Map(model.params.map((p) => [p.name, { dtype: 'F32', shape: p.shape, data: weights.get(p.name)! } as SafeTensor])),
  );
  return dir;
}

/** Texts of 2-4 short sentences; the label is which half of the vocabulary the last sentence draws from. */
function writeDocs(path: string, n: number, seed: number): void {
  const rng = new NormalRng(seed);
  const pick = (lo: number) => WORDS[lo + Math.floor(rng.uniform() * 30)];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const noise = Array.from(
      { length: 1 + Math.floor(rng.uniform() * 3) },
      () => `${Array.from({ length: 4 }, () => pick(Math.floor(rng.uniform() * 2) * 30)).join(' ')}.`,
    );
    const last = `${Array.from({ length: 4 }, () => pick(label * 30)).join(' ')}.`;
    lines.push(JSON.stringify({ text: [...noise, last].join(' '), label: label ? 'pos' : 'neg' }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'gft-ft-dev-'));
  writeDocs(join(root, 'train.jsonl'), 30, 1); // 30 texts: steps of 8, 8, 8 and a short last one of 6
  writeDocs(join(root, 'eval.jsonl'), 12, 2);
  const model = bertFolder(root);
  const params = (runId: string, device: 'cpu' | 'webgpu', config: Partial<TrainParams['config']> = {}): TrainParams => ({
    model,
    trainFile: join(root, 'train.jsonl'),
    evalFile: join(root, 'eval.jsonl'),
    runsRoot: join(root, 'runs'),
    runId,
    device,
    threads: 1,
    config: { epochs: 2, batchSize: 8, lr: 2e-3, maxLength: 24, evalEvery: 3, warmupSteps: 2, seed: 4, maxGradNorm: 0.5, ...config } as TrainParams['config'],
  });
  return { root, params };
}

const stepsOf = (dir: string) => readRun(dir).metrics.flatMap((m) => (m.type === 'step' ? [m] : []));
const evalsOf = (dir: string) => readRun(dir).metrics.flatMap((m) => (m.type === 'eval' ? [m] : []));

function sameRun(a: string, b: string, tol: number, what: string): number {
  const [sa, sb] = [stepsOf(a), stepsOf(b)];
  assert.deepEqual(
    sb.map((s) => s.step),
    sa.map((s) => s.step),
    `${what}: steps`,
  );
  let worst = 0;
  sa.forEach((s, i) => {
    worst = Math.max(worst, rel(sb[i].loss, s.loss));
    assert.ok(rel(sb[i].loss, s.loss) <= tol, `${what}: step ${s.step} loss ${sb[i].loss} vs ${s.loss}`);
    assert.equal(sb[i].lr, s.lr, `${what}: step ${s.step} lr`);
  });
  const [ea, eb] = [evalsOf(a), evalsOf(b)];
  assert.deepEqual(
    eb.map((e) => `${e.split}@${e.step}`),
    ea.map((e) => `${e.split}@${e.step}`),
    `${what}: evaluations`,
  );
  eb.forEach((e, i) =>
    assert.ok(
      Math.abs(e.metrics.logLoss - ea[i].metrics.logLoss) <= tol * 10,
      `${what}: ${e.split}@${e.step} log loss ${e.metrics.logLoss} vs ${ea[i].metrics.logLoss}`,
    ),
  );
  const [pa, pb] = [readRun(a).predictions, readRun(b).predictions];
  assert.equal(pb.length, pa.length);
  pb.forEach((p, i) =>
    p.probs.forEach((v, c) => assert.ok(Math.abs(v - pa[i].probs[c]) <= tol * 10, `${what}: test text ${p.id} prob ${v} vs ${pa[i].probs[c]}`)),
  );
  return worst;
}

test('a fine-tuning run on webgpu trains like the same run on the cpu (losses, evaluations, predictions, saliency)', async (t) => {
  if (await skipWithoutWebgpu(t)) return;
  const { root, params } = fixture();
  try {
    const cpu = await runFinetune(params('cpu', 'cpu'));
    assert.equal(cpu.status, 'completed', cpu.error);
    const gpu = await runFinetune(params('gpu', 'webgpu'));
    assert.equal(gpu.status, 'completed', gpu.error);
    const m = readRun(gpu.runDir).manifest;
    const exec = (
      m.config as { execution: { device: string; providers: string[]; trainer: string; adapter?: { name: string; vendor: string; driver: string } } }
    ).execution;
    assert.deepEqual([exec.device, exec.providers[0], exec.trainer], ['webgpu', 'webgpu', 'device']);
    assert.ok(exec.adapter?.name && exec.adapter.vendor && exec.adapter.driver, `run.json records the adapter: ${JSON.stringify(exec.adapter)}`);
    assert.equal((readRun(cpu.runDir).manifest.config as { execution: { trainer: string } }).execution.trainer, 'host');
    const log = readFileSync(join(gpu.runDir, RUN_FILES.log), 'utf8');
    assert.match(log, /trainer: the device trainer on webgpu/);
    assert.equal(stepsOf(gpu.runDir).length, 8, '30 texts in steps of 8 (the last of 6) x 2 epochs');
    const worst = sameRun(cpu.runDir, gpu.runDir, 1e-3, 'webgpu vs cpu');
    assert.equal(gpu.test!.accuracy, cpu.test!.accuracy);
    // saliency of the misclassified test texts, computed on the device, equals the CPU run's (when there are any)
    const sal = (dir: string) => (existsSync(join(dir, SALIENCY_FILE)) ? readFileSync(join(dir, SALIENCY_FILE), 'utf8') : '');
    assert.match(log, /saliency: \d+ misclassified test examples explained/);
    assert.equal(sal(gpu.runDir).split('\n').length, sal(cpu.runDir).split('\n').length);
    t.diagnostic(`max relative step-loss difference webgpu vs cpu: ${worst.toExponential(2)}; test accuracy ${gpu.test!.accuracy}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a run continues across devices: cpu -> webgpu and webgpu -> cpu end where the uninterrupted run ends', async (t) => {
  if (await skipWithoutWebgpu(t)) return;
  const { root, params } = fixture();
  try {
    const full = await runFinetune(params('full', 'cpu'));
    assert.equal(full.status, 'completed', full.error);
    for (const [first, then] of [
      ['cpu', 'webgpu'],
      ['webgpu', 'cpu'],
    ] as const) {
      const ac = new AbortController();
      const part = await runFinetune(params(`${first}-${then}`, first), {
        signal: ac.signal,
        metric: (m) => {
          if (m.record.type === 'step' && m.record.step === 5) ac.abort();
        },
      });
      assert.equal(part.status, 'cancelled');
      const resumed = await runFinetune({ ...params('ignored', then), resumeRunDir: part.runDir });
      assert.equal(resumed.status, 'completed', resumed.error);
      const exec = (readRun(part.runDir).manifest.config as { execution: { device: string } }).execution;
      assert.equal(exec.device, then, 'run.json records the device the run continued on');
      const worst = sameRun(full.runDir, part.runDir, 1e-3, `${first} -> ${then}`);
      assert.equal(resumed.test!.accuracy, full.test!.accuracy);
      t.diagnostic(`${first} -> ${then}: max relative step-loss difference to the uninterrupted cpu run ${worst.toExponential(2)}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sentence-mean fine-tuning runs on the device trainer like on the cpu', async (t) => {
  if (await skipWithoutWebgpu(t)) return;
  const { root, params } = fixture();
  try {
    const cfg = { longText: 'sentence-mean', docPieces: 3, maxLength: 12, evalEvery: 'epoch' } as Partial<TrainParams['config']>;
    const cpu = await runFinetune(params('sm-cpu', 'cpu', cfg));
    assert.equal(cpu.status, 'completed', cpu.error);
    const gpu = await runFinetune(params('sm-gpu', 'webgpu', cfg));
    assert.equal(gpu.status, 'completed', gpu.error);
    const worst = sameRun(cpu.runDir, gpu.runDir, 1e-3, 'sentence-mean webgpu vs cpu');
    t.diagnostic(`sentence-mean: max relative step-loss difference ${worst.toExponential(2)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('gradient accumulation on a device is refused before the run, in one line naming the setting to change', async (t) => {
  if (await skipWithoutWebgpu(t)) return;
  const { root, params } = fixture();
  try {
    await assert.rejects(runFinetune(params('acc', 'webgpu', { gradAccumSteps: 2 })), (e: Error) => {
      assert.match(e.message, /^gradient accumulation \(2 steps\) runs only on the cpu; .*set gradient accumulation steps to 1 .*or the device to cpu$/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    assert.ok(!existsSync(join(root, 'runs')) || readdirSync(join(root, 'runs')).length === 0, 'no run folder');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the starter model (USE Lite) and the pre-flight estimate run on the device trainer', async (t) => {
  if (await skipWithoutWebgpu(t)) return;
  // two steps of the starter model: the device trainer against the host trainer (dropout on, clipping, warmup)
  const { model, weights } = classifierOf('starter', 2, 3);
  const cfg: TrainConfig = {
    lr: 1e-4,
    weightDecay: 0.01,
    betas: [0.9, 0.999],
    eps: 1e-8,
    maxGradNorm: 1,
    warmupSteps: 1,
    totalSteps: 3,
    schedule: 'linear',
    gradAccumSteps: 1,
    seed: 3,
    trainLayers: 'all',
    dropout: true,
    threads: 1,
  };
  const S = 12,
    B = 4;
  const ids = BigInt64Array.from({ length: B * S }, (_, i) => BigInt(i % S === 0 ? 1 : 10 + ((i * 37) % 7000)));
  const batch: Batch = {
    inputIds: ids,
    attentionMask: BigInt64Array.from({ length: B * S }, (_, i) => (i % S < S - (Math.floor(i / S) % 3) ? 1n : 0n)),
    labels: BigInt64Array.of(0n, 1n, 1n, 0n),
    batch: B,
    seq: S,
  };
  const host = await createTrainer(model, weights!, cfg);
  const dev = await DeviceTrainer.create(model, weights!, { ...cfg, providers: ['webgpu', 'cpu'] });
  for (let i = 0; i < 2; i++) {
    const [a, b] = [await host.step(batch), await dev.step(batch)];
    assert.ok(rel(b.loss, a.loss) <= 1e-3, `starter step ${i}: loss ${b.loss} vs ${a.loss}`);
    assert.ok(rel(b.gradNorm, a.gradNorm) <= 1e-3, `starter step ${i}: grad norm ${b.gradNorm} vs ${a.gradNorm}`);
  }
  await host.dispose();
  await dev.dispose();
  // the estimate measures steps of the device trainer on this device
  const { root, params } = fixture();
  try {
    const p = params('probe', 'webgpu');
    const r = await estimateTraining({ ...p, steps: 2 });
    assert.equal(r.deviceKind, 'webgpu');
    assert.ok(r.secondsPerStep > 0 && r.measuredSteps === 2, JSON.stringify(r.stepSeconds));
    assert.ok(!existsSync(join(root, 'runs', 'probe')), 'the probe writes no run folder');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
