// The device-resident training step (in-graph AdamW) and the K-steps-per-run Loop, checked on the CPU provider:
// against PyTorch (fixture of test/unit/engine), against the host trainer (TypeScript AdamW), and K steps in one
// Loop run against K single-step runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrainer, type Batch, type TrainConfig } from '../../../src/engine/train/trainer';
import { toModelProto } from '../../../src/engine/onnx/writer';
import { ResidentTrainer, buildOptimizerStep, wrapInLoop, bakeInitializers } from '../../../src/engine/devices';
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
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);
const configOf = (sc: any, over: Partial<TrainConfig> = {}): TrainConfig => {
  const { steps: _s, batch: _b, ...cfg } = sc.config;
  return { ...cfg, threads: 1, ...over } as TrainConfig;
};

async function runResident(sc: any, cfg: TrainConfig, K: number, batches: Batch[], dropoutRate = 0.1) {
  const t = await ResidentTrainer.create(new TinyClassifier(V, H, C, dropoutRate), weightsOf(sc.init), cfg, { microSteps: K });
  const steps = [];
  for (let i = 0; i < batches.length; i += K) steps.push(...(await t.steps(batches.slice(i, i + K))));
  const weights = await t.weights();
  const moments = await t.moments('classifier.weight');
  await t.dispose();
  return { steps, weights, moments };
}

test('in-graph AdamW step matches PyTorch (frozen layers baked in, warmup schedule)', async () => {
  const sc = fx.scenarios.top1; // gradAccumSteps 1, trainLayers { top: 1 }
  const { steps, weights } = await runResident(sc, configOf(sc), 1, sc.batches.map(toBatch));
  steps.forEach((r, i) => {
    close(r.loss, sc.steps[i].loss, 1e-5, `step ${i} loss`);
    close(r.lr, sc.steps[i].lr, 1e-12, `step ${i} lr`);
    close(r.gradNorm, sc.steps[i].gradNorm, 1e-4, `step ${i} gradNorm`);
  });
  for (const [n, w] of weights) w.forEach((v, i) => close(v, sc.final[n][i], 2e-4, `final ${n}[${i}]`));
});

test('in-graph AdamW with clipping, weight decay, class weights and dropout equals the host trainer', async () => {
  const sc = fx.scenarios.full;
  const cfg = configOf(sc, { gradAccumSteps: 1, dropout: true, maxGradNorm: 0.05, totalSteps: 8 });
  const batches = [...sc.batches, ...sc.batches].map(toBatch);
  const host = await createTrainer(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), cfg);
  const want: Awaited<ReturnType<typeof host.step>>[] = [];
  for (const b of batches) want.push(await host.step(b));
  const { steps, weights } = await runResident(sc, cfg, 1, batches, 0.3);
  assert.ok(
    want.some((w) => w.gradNorm > 0.05),
    'the scenario must clip',
  );
  steps.forEach((r, i) => {
    close(r.loss, want[i].loss, 1e-5, `step ${i} loss`);
    close(r.gradNorm, want[i].gradNorm, 1e-5, `step ${i} gradNorm`);
    assert.equal(r.lr, want[i].lr);
  });
  for (const [n, w] of host.weights()) w.forEach((v, i) => close(weights.get(n)![i], v, 1e-5, `${n}[${i}]`));
  await host.dispose();
  // the masks matter: another seed draws other masks and gives other losses
  const other = await createTrainer(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), { ...cfg, seed: cfg.seed + 1 });
  const otherLosses: number[] = [];
  for (const b of batches) otherLosses.push((await other.step(b)).loss);
  await other.dispose();
  assert.ok(
    otherLosses.some((l, i) => Math.abs(l - want[i].loss) > 1e-3),
    'dropout must change the losses',
  );
});

test('K steps in one Loop run equal K single-step runs (losses, parameters, Adam moments)', async () => {
  const sc = fx.scenarios.full;
  const cfg = configOf(sc, { gradAccumSteps: 1, dropout: true, totalSteps: 8 });
  const batches = [...sc.batches, ...sc.batches].map(toBatch);
  const one = await runResident(sc, cfg, 1, batches, 0.3);
  for (const K of [4, 8]) {
    const loop = await runResident(sc, cfg, K, batches, 0.3);
    loop.steps.forEach((r, i) => {
      close(r.loss, one.steps[i].loss, 1e-5, `K=${K} step ${i} loss`);
      close(r.gradNorm, one.steps[i].gradNorm, 1e-5, `K=${K} step ${i} gradNorm`);
      assert.equal(r.step, i + 1);
    });
    for (const [n, w] of one.weights) w.forEach((v, i) => close(loop.weights.get(n)![i], v, 1e-5, `K=${K} ${n}[${i}]`));
    one.moments.m.forEach((v, i) => close(loop.moments.m[i], v, 1e-5, `K=${K} m[${i}]`));
    one.moments.v.forEach((v, i) => close(loop.moments.v[i], v, 1e-5, `K=${K} v[${i}]`));
  }
  // the parameters moved: the comparison above is not between two untouched copies
  const init = weightsOf(sc.init).get('classifier.weight')!;
  assert.ok(one.weights.get('classifier.weight')!.some((v, i) => Math.abs(v - init[i]) > 1e-3));
});

test('wrapInLoop: the wrapped model takes stacked inputs and carries exactly the declared state', () => {
  const sg = buildOptimizerStep(new TinyClassifier(V, H, C), {
    trainable: (n) => n.startsWith('classifier'),
    dropout: false,
    seed: 0,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 0,
    maxGradNorm: 1,
  });
  const carried = sg.state.map((s) => ({ input: s.input, output: s.output }));
  const m = wrapInLoop(
    bakeInitializers(
      toModelProto(sg.graph),
      new Map(sg.frozen.map((n) => [n, new Float32Array(new TinyClassifier(V, H, C).params.find((p) => p.name === n)!.shape.reduce((a, b) => a * b, 1))])),
    ),
    { carried, perStep: sg.perStep, perStepOutputs: sg.metrics },
  );
  const g = { node: m.graph!.node ?? [], input: m.graph!.input ?? [], output: m.graph!.output ?? [] };
  assert.deepEqual(
    g.node.map((n) => n.opType),
    ['Shape', 'Squeeze', 'Loop'],
  );
  assert.deepEqual(
    g.input.map((i) => i.name).sort(),
    [...carried.map((c) => c.input), 'attention_mask', 'input_ids', 'labels', 'opt/inv_bc2_sqrt', 'opt/step_size'].sort(),
  ); // weight decay 0: no decay factor
  const ids = g.input.find((i) => i.name === 'input_ids')!;
  assert.deepEqual(
    ids.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)),
    ['K', 'batch', 'seq'],
  );
  assert.deepEqual(
    g.output.map((o) => o.name),
    [...carried.map((c) => c.output), 'loss', 'gradNorm'],
  );
  // one flat buffer of the trainable tensors -> params, m and v
  assert.equal(carried.length, 3);
  assert.throws(
    () => wrapInLoop(toModelProto(sg.graph), { carried: [{ input: 'nope', output: 'loss' }], perStep: sg.perStep, perStepOutputs: [] }),
    /^Error: wrapInLoop: carried input 'nope' is not an input of the step model$/,
  );
});

test('device trainer errors are one line and name the fix', async () => {
  const sc = fx.scenarios.top1;
  await assert.rejects(
    ResidentTrainer.create(new TinyClassifier(V, H, C), weightsOf(sc.init), configOf(sc, { gradAccumSteps: 2 })),
    /^Error: training config: .*gradient accumulation 2 is not supported there; set gradient accumulation steps to 1 .* or the device to cpu$/,
  );
  const t = await ResidentTrainer.create(new TinyClassifier(V, H, C), weightsOf(sc.init), configOf(sc), { microSteps: 2 });
  const [a, b] = sc.batches.map(toBatch);
  await assert.rejects(t.steps([a]), /^Error: steps: expected 2 batches \(microSteps\), got 1$/);
  await assert.rejects(
    t.steps([a, { ...b, seq: 4, inputIds: b.inputIds.slice(0, 16), attentionMask: b.attentionMask.slice(0, 16) }]),
    /must be 4 x 5 \(pad them to one length\); got 4 x 4/,
  );
  await t.dispose();
});

test('checkpoints move between the host trainer and the device trainer; evaluate uses the resident parameters', async () => {
  const sc = fx.scenarios.top1; // a frozen part (baked into the device model) and a trained part
  const cfg = configOf(sc, { dropout: true });
  const batches = [...sc.batches, ...sc.batches].map(toBatch);
  const model = () => new TinyClassifier(V, H, C, 0.3);
  const host = await createTrainer(model(), weightsOf(sc.init), cfg);
  const want: number[] = [];
  const hostDir = mkdtempSync(join(tmpdir(), 'gft-ckpt-host-'));
  const devDir = mkdtempSync(join(tmpdir(), 'gft-ckpt-dev-'));
  try {
    for (const [i, b] of batches.entries()) {
      want.push((await host.step(b)).loss);
      if (i === 3) await host.saveCheckpoint(hostDir);
    }
    const logits = await host.evaluate(batches[0]);
    // host (4 steps) -> device: 4 more steps as 2 Loop runs of 2
    const dev = await ResidentTrainer.fromCheckpoint(model(), hostDir, cfg, { microSteps: 2 });
    assert.deepEqual(dev.progress, { step: 4, microStep: 4 });
    const got: number[] = [];
    for (let i = 4; i < 8; i += 2) got.push(...(await dev.steps(batches.slice(i, i + 2))).map((r) => r.loss));
    got.forEach((l, i) => close(l, want[4 + i], 1e-5, `resumed on device, step ${4 + i}`));
    (await dev.evaluate(batches[0])).forEach((v, i) => close(v, logits[i], 1e-5, `logit ${i}`));
    await dev.dispose();

    // device (4 steps) -> host: 4 more steps
    const dev2 = await ResidentTrainer.create(model(), weightsOf(sc.init), cfg);
    for (const b of batches.slice(0, 4)) await dev2.steps([b]);
    await dev2.saveCheckpoint(devDir);
    await dev2.dispose();
    const host2 = await createTrainer(model(), weightsOf(sc.init), cfg);
    await host2.loadCheckpoint(devDir);
    for (let i = 4; i < 8; i++) close((await host2.step(batches[i])).loss, want[i], 1e-5, `resumed on host, step ${i}`);
    for (const [n, w] of host.weights()) w.forEach((v, i) => close(host2.weights().get(n)![i], v, 1e-5, `${n}[${i}]`));
    await host2.dispose();
  } finally {
    await host.dispose();
    rmSync(hostDir, { recursive: true, force: true });
    rmSync(devDir, { recursive: true, force: true });
  }
});
