// Where one Trainer.step's wall time goes: session.run vs the TypeScript side (gradient gathering, global norm,
// AdamW), per step, for a random BERT-family classifier. Prints one line per step and a JSON summary.
// Usage: node --import tsx bench/step_breakdown.ts --arch distilbert --layers 2 --steps 4
import { createClassifier, NormalRng, parseHfConfig } from '../src/engine/models';
import { createTrainer } from '../src/engine';
import { useJsAdamW } from '../src/engine/optim/adamw';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const num = (name: string, dflt: number): number => Number(opt(name, String(dflt)));

(async () => {
  const arch = opt('arch', 'distilbert');
  const layers = num('layers', 2),
    B = num('batch', 8),
    S = num('seq', 256),
    steps = num('steps', 4);
  const cfg = parseHfConfig(
    arch === 'distilbert'
      ? { model_type: 'distilbert', dim: 768, n_layers: layers, n_heads: 12, hidden_dim: 3072, vocab_size: 30522, dropout: 0, attention_dropout: 0 }
      : {
          model_type: arch,
          hidden_size: 768,
          num_hidden_layers: layers,
          num_attention_heads: 12,
          intermediate_size: 3072,
          vocab_size: 30522,
          hidden_dropout_prob: 0,
          attention_probs_dropout_prob: 0,
          max_position_embeddings: 514,
        },
  );
  const model = createClassifier(cfg, 2);
  const rng = new NormalRng(0);
  const weights = new Map<string, Float32Array>();
  for (const p of model.params)
    weights.set(
      p.name,
      Float32Array.from({ length: p.shape.reduce((x, y) => x * y, 1) }, () => 0.02 * rng.next()),
    );
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
    dropout: false,
    threads: num('threads', 2),
  });
  const ids = BigInt64Array.from({ length: B * S }, () => BigInt(5 + Math.floor(rng.uniform() * 30000)));
  const batch = {
    inputIds: ids,
    attentionMask: new BigInt64Array(B * S).fill(1n),
    labels: BigInt64Array.from({ length: B }, (_, i) => BigInt(i % 2)),
    batch: B,
    seq: S,
  };
  const rows: { runMs: number; optimizerMs: number; cpuS: number; loss: number }[] = [];
  for (let i = 0; i < steps; i++) {
    // --ab: alternate the JavaScript and the SIMD AdamW step by step
    const js = args.includes('--ab') && i % 2 === 1;
    useJsAdamW(js);
    const c = process.cpuUsage();
    const r = await trainer.step(batch);
    const dc = process.cpuUsage(c);
    rows.push({ ...r.timings, cpuS: (dc.user + dc.system) / 1e6, loss: r.loss });
    console.log(
      `step ${i}${args.includes('--ab') ? (js ? ' (js adamw)' : ' (simd adamw)') : ''}: run ${r.timings.runMs.toFixed(0)} ms, TS ${r.timings.optimizerMs.toFixed(0)} ms, CPU ${((dc.user + dc.system) / 1e6).toFixed(2)} s, loss ${r.loss.toFixed(6)}`,
    );
  }
  await trainer.dispose();
  console.log(JSON.stringify(rows));
})();
