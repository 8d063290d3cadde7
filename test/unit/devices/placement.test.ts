// What the device step graph asks of a GPU provider (measured through Mesa's lavapipe where no GPU exists): every
// float op runs on the device (only integer shape work may fall back to the CPU provider), no Gemm with transB
// (onnxruntime's WebGPU kernel for it is ~3x slower), the optimizer runs over a few flat buffers (kernels per step
// do not grow with the number of parameter tensors), and only the batch goes up per step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrainer, type TrainConfig } from '../../../src/engine/train/trainer';
import { buildOptimizerStep, probeWebgpu, ResidentTrainer } from '../../../src/engine/devices';
import { readProfile } from '../../../src/engine/devices/profile';
import { toModelProto } from '../../../src/engine/onnx/writer';
import { randomBatches, randomModel, SIZES } from '../../../bench/deviceModels';

const config: TrainConfig = {
  lr: 5e-5,
  weightDecay: 0.01,
  betas: [0.9, 0.999],
  eps: 1e-8,
  maxGradNorm: 1,
  warmupSteps: 2,
  totalSteps: 100,
  schedule: 'linear',
  gradAccumSteps: 1,
  seed: 0,
  trainLayers: 'all',
  dropout: true,
  threads: 1,
};

test('the device step graph has no transB Gemm, no LogSoftmax, and its AdamW over one flat buffer', () => {
  const { model } = randomModel(SIZES.tiny);
  const sg = buildOptimizerStep(model, { trainable: () => true, dropout: true, seed: 0, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 });
  const nodes = toModelProto(sg.graph).graph!.node!;
  const transB = nodes.filter((n) => n.opType === 'Gemm' && n.attribute!.some((a) => a.name === 'transB' && Number(a.i) === 1));
  assert.equal(transB.length, 0, 'Gemm with transB=1');
  assert.equal(nodes.filter((n) => n.opType === 'LogSoftmax').length, 0);
  assert.deepEqual(
    sg.groups.map((gr) => gr.name),
    ['params'],
  );
  assert.equal(sg.state.length, 3, 'params, m and v of one flat buffer');
  // weight decay applies to the decaying parameters only: they come first in the buffer
  const [gr] = sg.groups;
  assert.ok(gr.entries.every((e, i) => e.decay === e.offset < gr.decaySize && (i === 0 || gr.entries[i - 1].decay || !e.decay)));
  assert.ok(gr.entries.some((e) => e.decay) && gr.entries.some((e) => !e.decay));
  const sqrt = nodes.filter((n) => n.opType === 'Sqrt').length;
  assert.equal(sqrt, 2, 'Sqrt nodes: one for the flat buffer, one for the norm');
});

test('on WebGPU every float op runs on the device, few kernels per step, little goes up', async (t) => {
  const probe = await probeWebgpu();
  if (!probe.ok) return t.skip(`no WebGPU adapter here: ${probe.reason}`);
  const { model, weights } = randomModel(SIZES.tiny);
  const dir = mkdtempSync(join(tmpdir(), 'gft-place-'));
  try {
    const tr = await ResidentTrainer.create(model, weights, config, { providers: ['webgpu'], gpuBuffers: true, profilePrefix: join(dir, 'p') });
    const uploads: number[] = [];
    for (const b of randomBatches(2, 4, 32, SIZES.tiny.vocab, 1)) {
      await tr.steps([b]);
      uploads.push(tr.lastUploadBytes);
    }
    tr.endProfiling();
    await tr.dispose();
    const runs = readProfile(
      join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.json'))!,
      ),
    );
    const last = runs[runs.length - 1];
    // integer shape work only: Shape/Concat/Squeeze/Unsqueeze/Range of int64, and the Cast of a dimension to float
    const allowed = new Set(['Shape', 'Concat', 'Squeeze', 'Unsqueeze', 'Range', 'Cast', 'Gather']);
    for (const op of Object.keys(last.cpuOps)) assert.ok(allowed.has(op), `op ${op} ran on the CPU provider (${JSON.stringify(last.cpuOps)})`);
    assert.ok(last.kernels > 0, 'the profile has GPU kernels');
    // 2 layers: forward + backward ~330 kernels; an optimizer per tensor (40 tensors x ~16) would add ~640
    assert.ok(last.kernels <= 450, `kernels per step: ${last.kernels}`);
    // what crosses to the GPU is the fed batch (ids, mask, labels, learning rate, two dropout keys) and nothing
    // more; the int64 ids and positions cross twice (as fed and as the [.., 1] index tensors that int64 shape
    // work on the CPU provider makes of them), hence 2x: masks or state going up would be far more
    assert.ok(uploads[1] <= 4096, `fed per step: ${uploads[1]} B`);
    assert.ok(last.memcpyFromHostBytes <= 2 * uploads[1], `host->device copies inside the run: ${last.memcpyFromHostBytes} B, fed ${uploads[1]} B`);
    t.diagnostic(`kernels/step ${last.kernels}, cpu ops ${JSON.stringify(last.cpuOps)}, fed ${uploads[1]} B/step`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('3 layers: each weight of all layers is one stack (one Transpose for all); training, evaluation and saliency equal the host trainer', async () => {
  const dims = { layers: 3, hidden: 16, heads: 2, inter: 32, vocab: 60 };
  const { model, weights } = randomModel(dims);
  const sg = buildOptimizerStep(model, { trainable: () => true, dropout: true, seed: 0, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 });
  const nodes = toModelProto(sg.graph).graph!.node!;
  const perm = (n: (typeof nodes)[number]) =>
    n
      .attribute!.find((a) => a.name === 'perm')!
      .ints!.map(Number)
      .join(',');
  // q/k/v (joint), out, lin1, lin2 of the 3 layers: 4 stacks [3, r, c] transposed once each
  assert.equal(nodes.filter((n) => n.opType === 'Transpose' && perm(n) === '0,2,1').length, 4);
  assert.equal(nodes.filter((n) => n.opType === 'Transpose' && perm(n) === '1,0').length, 2, 'only the head weights are transposed alone');
  const cfg: TrainConfig = { ...config, lr: 1e-3, warmupSteps: 0 };
  const host = await createTrainer(model, weights, { ...cfg, providers: ['cpu'] });
  const dev = await ResidentTrainer.create(model, weights, cfg, { providers: ['cpu'] });
  try {
    for (const b of randomBatches(3, 4, 16, dims.vocab, 3)) {
      const [h, d] = [(await host.step(b)).loss, (await dev.steps([b]))[0].loss];
      assert.ok(Math.abs(h - d) <= 1e-5 * Math.abs(h), `loss ${d} vs host ${h}`);
    }
    const [hw, dw] = [await host.weights(), await dev.weights()];
    let worst = 0;
    for (const [name, w] of hw) for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - dw.get(name)![i]));
    assert.ok(worst <= 1e-5, `max |param difference| ${worst}`);
    // evaluation and saliency read the same stacks
    const [b] = randomBatches(1, 2, 16, dims.vocab, 9);
    const close = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) => {
      assert.equal(a.length, e.length, what);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - e[i]) <= 1e-5 * (1 + Math.abs(e[i])), `${what}[${i}]: ${a[i]} vs ${e[i]}`);
    };
    close(await dev.evaluate(b), await host.evaluate(b), 'logits');
    const [ds, hs] = [await dev.saliency(b), await host.saliency(b)];
    close(ds.gradXInput, hs.gradXInput, 'saliency gradXInput');
  } finally {
    await host.dispose();
    await dev.dispose();
  }
});
