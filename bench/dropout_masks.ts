// What the dropout keep-masks cost on the CPU for one DistilBERT-size micro-batch (random weights, batch x seq from
// argv, default 8 x 128): filling the host trainer's bool masks in TypeScript (fillKeepMask) against making them
// in the graph on the CPU provider (Graph option masks: 'in-graph', a graph of the masks alone), and one host
// trainer step for scale. Usage: npx tsx bench/dropout_masks.ts [batch] [seq] [threads]
import { Graph } from '../src/engine/ir/graph';
import { Program } from '../src/engine/runtime/session';
import { fillKeepMask, maskInputs, maskOffsets } from '../src/engine/train/rng';
import { createTrainer, type TrainConfig } from '../src/engine/train/trainer';
import { median, randomBatches, randomModel, SIZES } from './deviceModels';

const [B, S, threads] = [Number(process.argv[2] ?? 8), Number(process.argv[3] ?? 128), Number(process.argv[4] ?? 2)];
const time = async (n: number, f: () => unknown) => {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
};

(async () => {
  const { model, weights } = randomModel(SIZES.distil);
  // the sites of the training graph (graph order), as the host trainer sees them
  const probe = new Graph({ training: true });
  model.buildLogits(probe);
  const sites = probe.dropoutSites;
  const dims = { batch: B, seq: S };
  const offsets = maskOffsets(sites, dims);
  const total = offsets[sites.length];
  const bufs = sites.map((_, k) => new Uint8Array(offsets[k + 1] - offsets[k]));
  let counter = 0;
  const tsMs = await time(5, () => {
    counter++;
    sites.forEach((s, k) => fillKeepMask(bufs[k], s.rate, 0, counter, offsets[k]));
  });

  // the same masks made by onnxruntime on the CPU provider: dropout of a ones-tensor per site
  const g = new Graph({ training: true, masks: 'in-graph' });
  const ones = new Map<string, Float32Array>();
  sites.forEach((s, k) => {
    const shape = s.shape.map((d) => (typeof d === 'number' ? d : `${d}`));
    const x = g.input(`x${k}`, 'float32', shape);
    g.output(`y${k}`, g.dropout(x, s.rate));
    ones.set(`x${k}`, new Float32Array(offsets[k + 1] - offsets[k]).fill(1));
  });
  const p = await Program.compile(g, { threads });
  const shapeOf = (k: number) => sites[k].shape.map((d) => (typeof d === 'number' ? d : d === 'batch' ? B : d === 'seq' ? S : NaN));
  const feeds = () => ({
    ...Object.fromEntries([...ones].map(([n, v], k) => [n, { data: v, dims: shapeOf(k) }])),
    ...maskInputs(g.dropoutSites, dims, 0, counter),
  });
  const graphMs = await time(5, () => p.run(feeds()));
  await p.dispose();

  const config: TrainConfig = {
    lr: 5e-5,
    weightDecay: 0.01,
    betas: [0.9, 0.999],
    eps: 1e-8,
    maxGradNorm: 1,
    warmupSteps: 0,
    totalSteps: 100,
    schedule: 'linear',
    gradAccumSteps: 1,
    seed: 0,
    trainLayers: 'all',
    dropout: true,
    threads,
  };
  const tr = await createTrainer(model, weights, config);
  const batches = randomBatches(4, B, S, SIZES.distil.vocab, 1);
  await tr.step(batches[0]);
  const stepMs = await time(3, () => tr.step(batches[1]));
  await tr.dispose();
  console.log(
    JSON.stringify({
      batch: B,
      seq: S,
      threads,
      sites: sites.length,
      maskElements: total,
      fillKeepMaskMs: +tsMs.toFixed(1),
      inGraphCpuMs: +graphMs.toFixed(1),
      hostStepMs: Math.round(stepMs),
    }),
  );
})();
