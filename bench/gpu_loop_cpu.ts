// On the CPU provider: the host trainer (AdamW in TypeScript) vs the in-graph optimizer with one step per run vs
// K steps per run (ONNX Loop). Interleaved rounds, so that machine load hits all three alike. Prints one JSON line.
// Usage: node --import tsx bench/gpu_loop_cpu.ts [--layers 2 --hidden 256 --batch 8 --seq 128 --K 4 --rounds 3]
import { createClassifier, NormalRng, parseHfConfig } from '../src/engine/models';
import { createTrainer, type Batch, type TrainConfig } from '../src/engine/train/trainer';
import { ResidentTrainer } from '../src/engine/devices';

const args = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const layers = num('layers', 2),
  hidden = num('hidden', 256),
  B = num('batch', 8),
  S = num('seq', 128),
  K = num('K', 4);
const rounds = num('rounds', 3),
  threads = num('threads', 2),
  vocab = num('vocab', 30522);

const cfg = parseHfConfig({
  model_type: 'distilbert',
  dim: hidden,
  n_layers: layers,
  n_heads: hidden / 64,
  hidden_dim: 4 * hidden,
  vocab_size: vocab,
  dropout: 0.1,
  attention_dropout: 0.1,
  seq_classif_dropout: 0.2,
});
const model = createClassifier(cfg, 2);
const rng = new NormalRng(0);
const weights = new Map(
  model.params.map((p) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    return [
      p.name,
      /LayerNorm|layer_norm/.test(p.name) && p.name.endsWith('.weight')
        ? new Float32Array(n).fill(1)
        : Float32Array.from({ length: n }, () => 0.02 * rng.next()),
    ];
  }),
);
const config: TrainConfig = {
  lr: 5e-5,
  weightDecay: 0.01,
  betas: [0.9, 0.999],
  eps: 1e-8,
  maxGradNorm: 1,
  warmupSteps: 0,
  totalSteps: 1000,
  schedule: 'linear',
  gradAccumSteps: 1,
  seed: 0,
  trainLayers: 'all',
  dropout: true,
  threads,
};
const batch = (): Batch => {
  const ids = BigInt64Array.from({ length: B * S }, () => BigInt(5 + Math.floor(rng.uniform() * (vocab - 5))));
  return {
    inputIds: ids,
    attentionMask: new BigInt64Array(B * S).fill(1n),
    labels: BigInt64Array.from({ length: B }, (_, i) => BigInt(i % 2)),
    batch: B,
    seq: S,
  };
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

(async () => {
  const host = await createTrainer(model, weights, config);
  const one = await ResidentTrainer.create(model, weights, config, { microSteps: 1 });
  const loop = await ResidentTrainer.create(model, weights, config, { microSteps: K });
  const t: Record<string, number[]> = { host: [], resident1: [], [`loopK${K}`]: [] };
  for (let r = 0; r <= rounds; r++) {
    const data = Array.from({ length: K }, batch);
    let t0 = performance.now();
    for (const b of data) await host.step(b);
    const th = (performance.now() - t0) / K / 1000;
    t0 = performance.now();
    for (const b of data) await one.steps([b]);
    const t1 = (performance.now() - t0) / K / 1000;
    t0 = performance.now();
    await loop.steps(data);
    const tk = (performance.now() - t0) / K / 1000;
    if (r > 0) {
      t.host.push(th);
      t.resident1.push(t1);
      t[`loopK${K}`].push(tk);
    } // round 0 warms up
  }
  await Promise.all([host.dispose(), one.dispose(), loop.dispose()]);
  const med = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
  console.log(
    JSON.stringify({
      machine: `${threads} threads`,
      model: { layers, hidden, vocab, params: model.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0) },
      batch: B,
      seq: S,
      K,
      secondsPerStep: med,
      ratios: { resident1_vs_host: med.resident1 / med.host, loop_vs_host: med[`loopK${K}`] / med.host },
      all: t,
    }),
  );
})().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
