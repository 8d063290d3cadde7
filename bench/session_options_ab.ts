// In-process A/B of onnxruntime session options on the training graph: one session per variant, built from the
// same model bytes, runs alternating variant by variant so that load from other work hits all alike; reports
// the median wall ms per run and per variant. Usage:
//   node --import tsx bench/session_options_ab.ts --layers 2 --runs 5
import * as ort from 'onnxruntime-node';
import { createClassifier, NormalRng, parseHfConfig } from '../src/engine/models';
import { buildTrainGraph } from '../src/engine/train/program';
import { serialize } from '../src/engine/onnx/writer';
import { sessionOptions } from '../src/engine/runtime/session';

const args = process.argv.slice(2);
const num = (k: string, d: number) => (args.includes(`--${k}`) ? Number(args[args.indexOf(`--${k}`) + 1]) : d);

(async () => {
  const layers = num('layers', 2),
    runs = num('runs', 5),
    B = 8,
    S = 256;
  const model = createClassifier(
    parseHfConfig({ model_type: 'distilbert', dim: 768, n_layers: layers, n_heads: 12, hidden_dim: 3072, vocab_size: 30522, dropout: 0, attention_dropout: 0 }),
    2,
  );
  const s = serialize(buildTrainGraph(model, { trainable: () => true, dropout: false, seed: 0 }).graph);
  const base = sessionOptions({ threads: 2 });
  const variants: Record<string, ort.InferenceSession.SessionOptions> = {
    'current (no spinning)': base,
    'spinning on': { ...base, extra: { session: { intra_op: { allow_spinning: '1' } } } },
    'denormals as zero': { ...base, extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' }, set_denormal_as_zero: '1' } } },
    'optimization basic': { ...base, graphOptimizationLevel: 'basic' },
  };
  const rng = new NormalRng(0);
  const feeds: Record<string, ort.Tensor> = {};
  for (const p of model.params)
    if (s.inputNames.includes(p.name))
      feeds[p.name] = new ort.Tensor(
        'float32',
        Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => 0.02 * rng.next()),
        p.shape,
      );
  feeds.input_ids = new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: B * S }, () => BigInt(5 + Math.floor(rng.uniform() * 30000))),
    [B, S],
  );
  feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(B * S).fill(1n), [B, S]);
  feeds.labels = new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: B }, (_, i) => BigInt(i % 2)),
    [B],
  );
  const sessions = await Promise.all(
    Object.entries(variants).map(async ([name, o]) => ({ name, s: await ort.InferenceSession.create(s.bytes, o), t: [] as number[], loss: 0 })),
  );
  for (let r = 0; r <= runs; r++) {
    for (const v of r % 2 ? [...sessions].reverse() : sessions) {
      const t0 = performance.now();
      const out = await v.s.run(feeds);
      if (r > 0) v.t.push(performance.now() - t0);
      v.loss = Number(out.loss.data[0]);
    }
  }
  const med = (a: number[]) => {
    const x = [...a].sort((p, q) => p - q);
    return x.length % 2 ? x[x.length >> 1] : (x[x.length / 2 - 1] + x[x.length / 2]) / 2;
  };
  for (const v of sessions) console.log(`${v.name.padEnd(24)} median ${med(v.t).toFixed(0)} ms  (${v.t.map((x) => x.toFixed(0)).join(' ')}), loss ${v.loss}`);
})();
