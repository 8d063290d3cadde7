// Seeded randomness for bootstraps and data orders: the data module's mulberry32 and Fisher-Yates shuffle, so
// one generator serves splits, shuffles and resampling.
import { mulberry32, shuffled } from '../data/prng';

export { mulberry32 };

/** Mixes several integers (e.g. seed and epoch) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  }
  return h >>> 0;
}

/** Fisher-Yates shuffle of 0..n-1 driven by the given seed. */
export function permutation(n: number, seed: number): number[] {
  return shuffled(Array.from({ length: n }, (_, i) => i), mulberry32(seed));
}
