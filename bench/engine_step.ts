// One engine training step of a random BERT-family classifier, timed (the engine side of bench/run.mjs), or,
// with --matmul, the machine's 2048x2048 float32 MatMul rate in onnxruntime with the same thread count.
// Prints one JSON line. Usage: node --import tsx bench/engine_step.ts --arch distilbert --layers 6 --steps 3
import { Graph } from '../src/engine/ir/graph';
import { Program } from '../src/engine/runtime/session';
import { createClassifier, NormalRng, parseHfConfig } from '../src/engine/models';
import { createTrainer } from '../src/engine';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const num = (name: string, dflt: number): number => Number(opt(name, String(dflt)));
const threads = num('threads', 2);

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function matmulGflops(): Promise<{ gflops: number; runs: number[] }> {
  const n = 2048;
  const g = new Graph();
  const a = g.input('a', 'float32', [n, n]);
  const b = g.input('b', 'float32', [n, n]);
  g.output('c', g.matmul(a, b));
  const prog = await Program.compile(g, { threads });
  const rng = new NormalRng(3);
  const x = Float32Array.from({ length: n * n }, () => rng.next());
  const runs: number[] = [];
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    await prog.run({ a: { data: x, dims: [n, n] }, b: { data: x, dims: [n, n] } });
    if (i > 0) runs.push((2 * n ** 3) / ((performance.now() - t) / 1000) / 1e9);
  }
  await prog.dispose();
  // Best run: the machine's attainable rate (others' load only ever lowers it).
  return { gflops: Math.max(...runs), runs };
}

async function trainStep(): Promise<Record<string, unknown>> {
  const arch = opt('arch', 'distilbert');
  const layers = num('layers', 6),
    B = num('batch', 8),
    S = num('seq', 256),
    labels = num('labels', 2);
  const steps = num('steps', 3),
    warmup = num('warmup', 1),
    dropout = num('dropout', 0);
  const hidden = num('hidden', 768),
    heads = num('heads', 12),
    inter = num('inter', 3072),
    vocab = num('vocab', 30522);
  const cfg = parseHfConfig(
    arch === 'distilbert'
      ? {
          model_type: 'distilbert',
          dim: hidden,
          n_layers: layers,
          n_heads: heads,
          hidden_dim: inter,
          vocab_size: vocab,
          dropout,
          attention_dropout: dropout,
          seq_classif_dropout: dropout,
        }
      : {
          model_type: arch,
          hidden_size: hidden,
          num_hidden_layers: layers,
          num_attention_heads: heads,
          intermediate_size: inter,
          vocab_size: vocab,
          hidden_dropout_prob: dropout,
          attention_probs_dropout_prob: dropout,
          max_position_embeddings: 514,
        },
  );
  const model = createClassifier(cfg, labels);
  const rng = new NormalRng(0);
  const weights = new Map<string, Float32Array>();
  for (const p of model.params) {
    const n = p.shape.reduce((x, y) => x * y, 1);
    const isNorm = /LayerNorm|layer_norm/.test(p.name);
    weights.set(
      p.name,
      isNorm && p.name.endsWith('.weight')
        ? new Float32Array(n).fill(1)
        : p.name.endsWith('.bias') || isNorm
          ? new Float32Array(n)
          : Float32Array.from({ length: n }, () => 0.02 * rng.next()),
    );
  }
  // What the HF Trainer does by default: clip at 1.0, AdamW with decay groups, linear schedule.
  const trainer = await createTrainer(model, weights, {
    lr: 2e-5,
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
    dropout: dropout > 0,
    threads,
    spinning: num('spinning', 0) === 1,
  });
  weights.clear(); // the trainer keeps its own copies; drop ours as a real run would
  const ids = new BigInt64Array(B * S);
  for (let i = 0; i < ids.length; i++) ids[i] = BigInt(5 + Math.floor(rng.uniform() * (vocab - 5)));
  const batch = {
    inputIds: ids,
    attentionMask: new BigInt64Array(B * S).fill(1n),
    tokenTypeIds: new BigInt64Array(B * S),
    labels: BigInt64Array.from({ length: B }, (_, i) => BigInt(i % labels)),
    batch: B,
    seq: S,
  };
  const times: number[] = [],
    cpu: number[] = [],
    losses: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const r = await trainer.step(batch);
    const dt = (performance.now() - t) / 1000;
    const dc = process.cpuUsage(c);
    losses.push(r.loss);
    if (i >= warmup) {
      times.push(dt);
      cpu.push((dc.user + dc.system) / 1e6);
    }
  }
  await trainer.dispose();
  return {
    peer: 'engine',
    arch,
    threads,
    params: model.params.reduce((s, p) => s + p.shape.reduce((x, y) => x * y, 1), 0),
    secondsPerStep: median(times),
    stepTimes: times,
    // CPU seconds (all threads) per step: less sensitive than wall time to other work on a shared machine.
    cpuSecondsPerStep: median(cpu),
    losses,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

(async () => {
  if (args.includes('--matmul')) {
    console.log(JSON.stringify(await matmulGflops()));
    return;
  }
  const mm = await matmulGflops();
  const res = await trainStep();
  console.log(JSON.stringify({ ...res, matmulGflops: mm.gflops }));
})().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
