// Counter-based dropout masks. The keep flag of element i (counted over all dropout sites of one micro-step, in
// graph order: see siteOffsets) in micro-step `counter` is
//
//   keep(i) = keepBits(s0, s1, i) >= keepThreshold(rate),   [s0, s1] = stepSeeds(seed, counter)
//
// so it depends only on (seed, counter, i): a run resumed from a checkpoint (which stores the counter) draws the
// same masks, and so does any device. keepBits uses only unsigned 32-bit multiply, add and division by 2^16
// (wrapping), the integer ops that onnxruntime runs both on the CPU provider and on the WebGPU provider (which has
// no xor or shift kernels), so a graph computes the same bits on the device (Graph option masks: 'in-graph') as
// fillKeepMask does here. The mixing is a 32-bit form of Widynski's "Squares" counter-based generator: a Weyl
// sequence in the index, then four rounds of square, add a key, swap the 16-bit halves; the keep decision reads
// the top bits of the last square. Statistics are checked in test/unit/engine/rng.test.ts.
import type { DropoutSite } from '../ir/types';
import { resolveShape } from '../ir/shape';

/** 32-bit mix (lowbias32 by Chris Wellons); good avalanche for seeding. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function streamSeed(seed: number, counter: number, site: number): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ (counter >>> 0));
  h = mix32(h ^ Math.floor(counter / 2 ** 32));
  h = mix32(h ^ Math.imul(site + 1, 0x85ebca6b));
  return h || 0x6d2b79f5;
}

/** The two 32-bit keys of micro-step `counter` of a run with `seed` (fed to in-graph masks as rng/seed0, rng/seed1). */
export function stepSeeds(seed: number, counter: number): [number, number] {
  return [streamSeed(seed, counter, 0), streamSeed(seed, counter, 1)];
}

/** Odd Weyl increment of the element index (2^32 / golden ratio). */
export const WEYL = 0x9e3779b9;

/** Graph input names of in-graph masks (see Graph.dropout): per-step keys, element count, site k's end offset. */
export const RNG_SEED0 = 'rng/seed0';
export const RNG_SEED1 = 'rng/seed1';
export const RNG_COUNT = 'rng/count';
export const rngEnd = (site: number): string => `rng/end_${site}`;

/** Most elements one micro-step's masks may have (the device builds the element index with an int32 Range). */
export const MAX_MASK_ELEMENTS = 2 ** 31 - 1;

const sq = (x: number) => Math.imul(x, x) >>> 0;
const rot16 = (x: number) => ((x >>> 16) + Math.imul(x, 65536)) >>> 0;

/** The 32 random bits of element i (uint32 arithmetic; the graph twin is Graph's rngBits). */
export function keepBits(s0: number, s1: number, i: number): number {
  const y = (Math.imul(i, WEYL) + s0) >>> 0;
  const z = (y + s1) >>> 0;
  let x = rot16(sq(y) + y);
  x = rot16(sq(x) + z);
  x = rot16(sq(x) + y);
  return (sq(x) + z) >>> 0;
}

/** An element is kept when its bits are >= this (so it is dropped with probability rate, in steps of 2^-32). */
export function keepThreshold(rate: number): number {
  return Math.min(2 ** 32 - 1, Math.round(rate * 2 ** 32));
}

/**
 * Fill `mask` with the keep flags (1 with probability 1 - rate) of elements offset .. offset + mask.length - 1
 * of micro-step `counter`'s stream.
 */
export function fillKeepMask(mask: Uint8Array, rate: number, seed: number, counter: number, offset = 0): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + mask.length > MAX_MASK_ELEMENTS)
    throw new Error(`fillKeepMask: elements ${offset}..${offset + mask.length} are outside 0..${MAX_MASK_ELEMENTS}`);
  const [k0, k1] = stepSeeds(seed, counter);
  const s0 = k0 | 0,
    s1 = k1 | 0;
  // keepBits inlined in int32 arithmetic (V8 keeps it out of doubles): rot16 as shifts, and the unsigned compare
  // bits >= t as a signed one of both sides with the top bit flipped. This runs over every element of every step.
  const top = 1 << 31; // -2^31: constants as int32, not doubles
  const weyl = WEYL | 0;
  const t = keepThreshold(rate) ^ top;
  const n = mask.length;
  let y = (Math.imul(offset, weyl) + s0) | 0;
  for (let j = 0; j < n; j++) {
    const z = (y + s1) | 0;
    let x = (Math.imul(y, y) + y) | 0;
    x = (x >>> 16) | (x << 16);
    x = (Math.imul(x, x) + z) | 0;
    x = (x >>> 16) | (x << 16);
    x = (Math.imul(x, x) + y) | 0;
    x = (x >>> 16) | (x << 16);
    mask[j] = (((Math.imul(x, x) + z) | 0) ^ top) >= t ? 1 : 0;
    y = (y + weyl) | 0;
  }
}

/**
 * Where each dropout site's elements start in the micro-step's stream: offsets[k] for site k (sites in graph
 * order, `sizes` their element counts for this batch), offsets[sizes.length] = the total.
 */
export function siteOffsets(sizes: readonly number[]): number[] {
  const out = [0];
  for (const n of sizes) out.push(out[out.length - 1] + n);
  const total = out[out.length - 1];
  if (total > MAX_MASK_ELEMENTS)
    throw new Error(
      `dropout: one micro-batch has ${total} dropout elements, more than ${MAX_MASK_ELEMENTS}: use a smaller batch or sequence length (or gradient accumulation)`,
    );
  return out;
}

/** siteOffsets of a graph's dropout sites for one micro-batch (dims: the values of its symbols, e.g. batch, seq). */
export function maskOffsets(sites: readonly DropoutSite[], dims: Readonly<Record<string, number>>): number[] {
  return siteOffsets(sites.map((s) => resolveShape(s.shape, dims).reduce((a, b) => a * b, 1)));
}

/**
 * The inputs of a graph with in-graph masks (Graph option masks: 'in-graph') for micro-step `counter`; `splits`:
 * the graph's maskSplits (Graph option maskPlan), whose part sizes are fed instead of each site's end.
 */
export function maskInputs(
  sites: readonly DropoutSite[],
  dims: Readonly<Record<string, number>>,
  seed: number,
  counter: number,
  splits: readonly MaskSplitSpec[] = [],
): Record<string, { data: Uint32Array | Int32Array | BigInt64Array; dims: number[] }> {
  const [s0, s1] = stepSeeds(seed, counter);
  const offsets = maskOffsets(sites, dims);
  const out: Record<string, { data: Uint32Array | Int32Array | BigInt64Array; dims: number[] }> = {
    [RNG_SEED0]: { data: Uint32Array.of(s0), dims: [] },
    [RNG_SEED1]: { data: Uint32Array.of(s1), dims: [] },
    [RNG_COUNT]: { data: Int32Array.of(offsets[sites.length]), dims: [] },
  };
  if (splits.length) for (const sp of splits) out[sp.input.name] = { data: maskSplitSizes(sp, offsets), dims: [sp.ranges.length] };
  else
    sites.forEach((_, k) => {
      out[rngEnd(k)] = { data: BigInt64Array.of(BigInt(offsets[k + 1])), dims: [1] };
    });
  return out;
}

/** A Split of the in-graph dropout stream (ir/graph.ts MaskSplit): part i covers the elements of sites ranges[i]. */
export interface MaskSplitSpec {
  input: { name: string };
  ranges: readonly (readonly [number, number])[];
}

/** The part sizes of a stream Split for one micro-batch (offsets: maskOffsets). */
export function maskSplitSizes(split: MaskSplitSpec, offsets: readonly number[]): BigInt64Array {
  return BigInt64Array.from(split.ranges, ([a, b]) => BigInt(offsets[b] - offsets[a]));
}
