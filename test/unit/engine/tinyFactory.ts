// Model factory loaded by the engine worker in worker.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TinyClassifier } from './tinyModel';

export function createTiny(dropout: number) {
  const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures/trainer_parity.json'), 'utf8'));
  const { V, H, C } = fx.dims;
  const weights = new Map(Object.entries<number[]>(fx.scenarios.full.init).map(([k, v]) => [k, Float32Array.from(v)]));
  return { model: new TinyClassifier(V, H, C, dropout), weights };
}

/** A wider model with seeded random weights: one step takes long enough to observe the host's event loop. */
export function createWide(hidden: number, vocab: number) {
  const model = new TinyClassifier(vocab, hidden, 2, 0.1);
  let s = 1;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.1;
  const weights = new Map(model.params.map((p) => [p.name, Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, rnd)]));
  return { model, weights };
}
