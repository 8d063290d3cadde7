// Random-weight models and deterministic padded batches shared by the device benchmarks (bench/device.ts,
// bench/gpu_check.sh): a DistilBERT-base-sized classifier (66M parameters) or a tiny one of the same shape.
import { createClassifier, NormalRng, parseHfConfig } from '../src/engine/models';
import type { Batch } from '../src/engine/train/trainer';

export interface ModelDims {
  layers: number;
  hidden: number;
  heads: number;
  inter: number;
  vocab: number;
}
export const SIZES: Record<'tiny' | 'distil-narrow' | 'distil', ModelDims> = {
  tiny: { layers: 2, hidden: 32, heads: 2, inter: 64, vocab: 200 },
  // DistilBERT's 6 layers at tiny widths: the same graph (kernel count, placement) as 'distil', fast on lavapipe
  'distil-narrow': { layers: 6, hidden: 32, heads: 2, inter: 64, vocab: 200 },
  distil: { layers: 6, hidden: 768, heads: 12, inter: 3072, vocab: 30522 },
};

export function randomModel(d: ModelDims, seed = 0) {
  const cfg = parseHfConfig({
    model_type: 'distilbert',
    dim: d.hidden,
    n_layers: d.layers,
    n_heads: d.heads,
    hidden_dim: d.inter,
    vocab_size: d.vocab,
    dropout: 0.1,
    attention_dropout: 0.1,
    seq_classif_dropout: 0.2,
  });
  const model = createClassifier(cfg, 2);
  const rng = new NormalRng(seed);
  const weights = new Map<string, Float32Array>();
  for (const p of model.params) {
    const n = p.shape.reduce((x, y) => x * y, 1);
    const norm = /LayerNorm|layer_norm/.test(p.name);
    weights.set(
      p.name,
      norm && p.name.endsWith('.weight')
        ? new Float32Array(n).fill(1)
        : p.name.endsWith('.bias') || norm
          ? new Float32Array(n)
          : Float32Array.from({ length: n }, () => 0.02 * rng.next()),
    );
  }
  return { model, weights };
}

/** Deterministic batches with padding (varying lengths) so that attention masking is exercised. */
export function randomBatches(count: number, B: number, S: number, vocab: number, seed: number): Batch[] {
  const rng = new NormalRng(seed);
  return Array.from({ length: count }, () => {
    const ids = new BigInt64Array(B * S),
      mask = new BigInt64Array(B * S);
    const labels = new BigInt64Array(B);
    for (let b = 0; b < B; b++) {
      const len = Math.max(2, Math.floor(S * (0.5 + 0.5 * rng.uniform())));
      for (let s = 0; s < len; s++) {
        ids[b * S + s] = BigInt(5 + Math.floor(rng.uniform() * (vocab - 5)));
        mask[b * S + s] = 1n;
      }
      labels[b] = BigInt(rng.uniform() < 0.5 ? 0 : 1);
    }
    return { inputIds: ids, attentionMask: mask, labels, batch: B, seq: S };
  });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
