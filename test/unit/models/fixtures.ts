// Reads the PyTorch parity fixtures written by scripts/make_parity_fixtures.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../../../src/engine/weights/safetensors';

export const ARCHS = ['bert', 'distilbert', 'roberta'] as const;
export type Arch = (typeof ARCHS)[number];

export interface Fixture {
  folder: string;
  batch: { input_ids: number[][]; attention_mask: number[][]; token_type_ids?: number[][]; labels: number[] };
  train: {
    lr: number;
    weightDecay: number;
    betas: [number, number];
    eps: number;
    maxGradNorm: number;
    warmupSteps: number;
    totalSteps: number;
    schedule: 'constant' | 'linear';
    gradAccumSteps: number;
    seed: number;
    trainLayers: 'all' | 'head' | { top: number };
    dropout: boolean;
    classWeights?: number[];
  };
  steps: number;
  losses: number[];
  lrs: number[];
  gradNorms: number[];
  logits: Float32Array;
  /** parameters after the last step, by HF name */
  final: Map<string, Float32Array>;
}

export function readFixture(arch: Arch): Fixture {
  const folder = join(__dirname, '..', '..', 'fixtures', 'parity', arch);
  const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8'));
  const tensors = readSafetensors(join(folder, 'expected.safetensors'));
  const final = new Map<string, Float32Array>();
  for (const [k, t] of tensors) if (k.startsWith('final.')) final.set(k.slice(6), t.data as Float32Array);
  return { folder, ...expected, logits: tensors.get('logits')!.data as Float32Array, final };
}

export function int64(rows: number[][]): BigInt64Array {
  return BigInt64Array.from(rows.flat().map(BigInt));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
