// WebGPU keeps the training state on the device: each step's parameter and Adam-moment outputs stay in GPU
// buffers ('gpu-buffer') and are the next step's inputs. Where WebGPU runs (a GPU, or Mesa's lavapipe >= 25 on a
// CPU machine: `npm test`'s pretest installs it, scripts/system-packages.mjs), losses and parameters must equal
// the CPU provider's. Where it does not, asking for it falls back to CPU with a one-line reason, and the test is
// skipped with that reason (the summaries count it as skipped, never as passed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTrainer, type Batch, type TrainConfig } from '../../../src/engine/train/trainer';
import { ResidentTrainer, probeWebgpu, selectDevice } from '../../../src/engine/devices';
import { TinyClassifier } from '../engine/tinyModel';

const fx = JSON.parse(readFileSync(join(__dirname, '../engine/fixtures/trainer_parity.json'), 'utf8'));
const { V, H, C, S } = fx.dims;
const big = (a: number[]) => BigInt64Array.from(a.map(BigInt));
const toBatch = (b: { ids: number[]; mask: number[]; labels: number[] }): Batch => ({
  inputIds: big(b.ids),
  attentionMask: big(b.mask),
  labels: big(b.labels),
  batch: b.labels.length,
  seq: S,
});
const weightsOf = (o: Record<string, number[]>) => new Map(Object.entries(o).map(([k, v]) => [k, Float32Array.from(v)]));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-6, Math.abs(b));

test('WebGPU with gpu-buffer state trains like the CPU provider and the host trainer (dropout on)', async (t) => {
  const probe = await probeWebgpu();
  if (!probe.ok) {
    const s = await selectDevice('webgpu', { probe: async () => probe });
    assert.deepEqual([s.device, s.fallback], ['cpu', true]);
    assert.ok(s.reasons.webgpu && !s.reasons.webgpu.includes('\n'), `reason: ${s.reasons.webgpu}`);
    t.skip(`no WebGPU adapter here (${s.reasons.webgpu}); Mesa >= 25's lavapipe gives one: node scripts/system-packages.mjs`);
    return;
  }
  const sc = fx.scenarios.full;
  const { steps: _s, batch: _b, ...c } = sc.config;
  const cfg = { ...c, gradAccumSteps: 1, dropout: true, totalSteps: 8, threads: 1 } as TrainConfig;
  const batches = [...sc.batches, ...sc.batches].map(toBatch);
  const run = async (providers: string[], K: number, gpuBuffers: boolean) => {
    const tr = await ResidentTrainer.create(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), cfg, { providers, microSteps: K, gpuBuffers });
    const losses: number[] = [];
    const where = new Set<string>();
    for (let i = 0; i < batches.length; i += K) {
      for (const r of await tr.steps(batches.slice(i, i + K))) losses.push(r.loss);
      tr.stateLocations.forEach((l) => where.add(l));
    }
    const w = await tr.weights();
    const logits = await tr.evaluate(batches[0]); // the eval session reads the parameters from GPU buffers
    await tr.dispose();
    return { losses, w, where: [...where], logits };
  };
  const cpu = await run(['cpu'], 1, false);
  // the host trainer (TypeScript masks as inputs) against the device trainer on WebGPU (masks made on the GPU):
  // the same dropout masks, so the same losses up to float rounding
  const host = await createTrainer(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), cfg);
  const hostLosses: number[] = [];
  for (const b of batches) hostLosses.push((await host.step(b)).loss);
  await host.dispose();
  for (const K of [1, 4]) {
    const gpu = await run(['webgpu', 'cpu'], K, true);
    assert.deepEqual(gpu.where, ['gpu-buffer'], 'the state must stay in GPU buffers between steps');
    gpu.losses.forEach((l, i) => assert.ok(rel(l, cpu.losses[i]) <= 1e-3, `K=${K} step ${i}: webgpu ${l} vs cpu ${cpu.losses[i]}`));
    gpu.losses.forEach((l, i) => assert.ok(rel(l, hostLosses[i]) <= 1e-3, `K=${K} step ${i}: webgpu ${l} vs host trainer ${hostLosses[i]}`));
    let worst = 0;
    for (const [n, v] of cpu.w)
      v.forEach((x, i) => {
        worst = Math.max(worst, Math.abs(gpu.w.get(n)![i] - x));
      });
    assert.ok(worst <= 1e-3, `K=${K}: max |param difference| ${worst}`);
    gpu.logits.forEach((v, i) => assert.ok(Math.abs(v - cpu.logits[i]) <= 1e-3, `K=${K} logit ${i}: ${v} vs ${cpu.logits[i]}`));
    t.diagnostic(
      `K=${K}: max relative loss difference ${Math.max(...gpu.losses.map((l, i) => rel(l, cpu.losses[i]))).toExponential(2)} (vs the host trainer ${Math.max(...gpu.losses.map((l, i) => rel(l, hostLosses[i]))).toExponential(2)}), max |param difference| ${worst.toExponential(2)}`,
    );
  }
});
