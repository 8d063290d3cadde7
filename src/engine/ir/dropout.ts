// Dropout for the graph builder (Graph.dropout delegates here): inverted dropout whose keep-masks are either graph
// inputs filled by the trainer or computed in the graph from the counter-based stream of ../train/rng.ts, bit for
// bit the same masks, in uint32 ops the WebGPU provider runs.
import type { Graph } from './graph';
import type { DType, Tensor } from './types';
import { product } from './shape';
import { keepThreshold, rngEnd, RNG_COUNT, RNG_SEED0, RNG_SEED1, WEYL } from '../train/rng';

/** Per graph: the stream's bits and the scaled keep-masks by rate and dtype (built once, shared by all sites). */
const built = new WeakMap<Graph, Map<string, Tensor>>();

function memo(g: Graph, key: string, make: () => Tensor): Tensor {
  let m = built.get(g);
  if (!m) built.set(g, (m = new Map()));
  let t = m.get(key);
  if (!t) m.set(key, (t = make()));
  return t;
}

/**
 * Inverted dropout (kept elements scaled by 1 / (1 - rate)); identity in eval. The keep-mask of site k (sites
 * numbered in call order) is elements offset_k .. offset_k + numel(x) - 1 of the micro-step's counter-based
 * stream (train/rng.ts). With masks 'inputs' it is the bool input `dropout_mask_<k>`; with 'in-graph' the graph
 * computes the whole stream once (rngBits) and each site slices its part from inputs `rng/end_<k-1>` .. `rng/end_<k>`.
 */
export function dropout(g: Graph, x: Tensor, rate: number): Tensor {
  if (!g.training || rate <= 0) return x;
  if (rate >= 1) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  const k = g.dropoutSites.length;
  if (g.masks === 'inputs') {
    const mask = g.input(`dropout_mask_${k}`, 'bool', [...x.shape]);
    g.dropoutSites.push({ rate, shape: x.shape, mask });
    return g.where(mask, g.mul(x, g.scalar(1 / (1 - rate), x.dtype)), g.scalar(0, x.dtype));
  }
  if (g.maskPlan) {
    const plan = g.maskPlan[k];
    if (!plan || plan.rate !== rate || String(plan.shape) !== String(x.shape))
      throw new Error(
        `dropout: site ${k} (rate ${rate}, shape [${x.shape}]) is not the planned one (${plan ? `rate ${plan.rate}, shape [${plan.shape}]` : 'none'})`,
      );
    g.dropoutSites.push({ rate, shape: x.shape });
    return g.mul(x, g.reshape(plannedParts(g, x.dtype).get(k)!, [...x.shape]));
  }
  const keep = keepScaled(g, rate, x.dtype);
  const start = k === 0 ? g.ints([0]) : g.dropoutSites[k - 1].end!;
  const end = g.input(rngEnd(k), 'int64', [1]);
  g.dropoutSites.push({ rate, shape: x.shape, end });
  const [part] = g.node('Slice', [keep, start, end, g.ints([0])], [[keep.dtype, [product(x.shape)]]]);
  // x * (scale or 0): one Mul forward and one backward (no gradient flows into the mask)
  return g.mul(x, g.reshape(part, [...x.shape]));
}

/**
 * Split outputs per kernel (with the input: 8 storage buffers, WebGPU's default limit per shader stage).
 */
const SPLIT_OUTPUTS = 7;
const partsBuilt = new WeakMap<Graph, Map<DType, Map<number, Tensor>>>();

/**
 * Every planned site's part of its rate's keep-mask: per rate, a chain of Splits of the whole stream into that
 * rate's sites, the gaps between them (other rates' sites) and the rest, at most SPLIT_OUTPUTS parts each. The part
 * sizes depend on batch and seq: each Split's are an int64 input (Graph.maskSplits).
 */
function plannedParts(g: Graph, dtype: DType): Map<number, Tensor> {
  let byType = partsBuilt.get(g);
  if (!byType) partsBuilt.set(g, (byType = new Map()));
  const hit = byType.get(dtype);
  if (hit) return hit;
  const plan = g.maskPlan!;
  const n = plan.length;
  const parts = new Map<number, Tensor>();
  for (const rate of [...new Set(plan.map((s) => s.rate))]) {
    // segments of site ranges [from, to): this rate's sites one by one, the others merged, the tail after the
    // last site of this rate in one piece
    const segs: { range: [number, number]; site?: number }[] = [];
    const last = plan.map((s) => s.rate).lastIndexOf(rate);
    for (let k = 0; k < n;) {
      if (k > last) {
        segs.push({ range: [k, n] });
        break;
      }
      if (plan[k].rate === rate) {
        segs.push({ range: [k, k + 1], site: k });
        k++;
        continue;
      }
      let j = k;
      while (j < n && plan[j].rate !== rate) j++;
      segs.push({ range: [k, j] });
      k = j;
    }
    let rest = keepScaled(g, rate, dtype);
    for (let i = 0; i < segs.length;) {
      let take = segs.slice(i, i + SPLIT_OUTPUTS);
      if (i + take.length < segs.length) take = take.slice(0, -1);
      const more = i + take.length < segs.length;
      const ranges: [number, number][] = take.map((sg) => sg.range);
      if (more) ranges.push([take[take.length - 1].range[1], n]);
      if (ranges.length === 1) {
        // the rest is this one site's part: the same elements under the site's size
        const k = take[0].site;
        if (k !== undefined) parts.set(k, g.node('Reshape', [rest, g.ints([-1])], [[dtype, [product(plan[k].shape)]]])[0]);
        break;
      }
      const sizes = g.input(`rng/split_${g.maskSplits.length}`, 'int64', [ranges.length]);
      g.maskSplits.push({ input: sizes, ranges });
      const outs = g.node(
        'Split',
        [rest, sizes],
        ranges.map(([a, b], m) => [dtype, [m < take.length && take[m].site !== undefined ? product(plan[a].shape) : `rng_part_${a}_${b}`]]),
        { axis: { i: 0 } },
      );
      take.forEach((sg, m) => {
        if (sg.site !== undefined) parts.set(sg.site, outs[m]);
      });
      if (more) rest = outs[outs.length - 1];
      i += take.length;
    }
  }
  byType.set(dtype, parts);
  return parts;
}

/**
 * onnxruntime 1.30's WebGPU Where with a bool condition returns zeros from element MASK_WHERE_LIMIT = 2^25 on
 * (devices/README.md): a stream that may be longer is compared and selected in chunks of MASK_CHUNK elements.
 */
export const MASK_WHERE_LIMIT = 2 ** 25;
export const MASK_CHUNK = 2 ** 24;

/**
 * 1 / (1 - rate) where the stream keeps an element, else 0, over all elements of the micro-step ([RNG_COUNT]).
 * Where the stream may be longer than MASK_WHERE_LIMIT (Graph option maxMaskElements), per chunk of at most MASK_CHUNK
 * elements (constant Slice bounds; chunks past the fed length are empty), then one Concat.
 */
function keepScaled(g: Graph, rate: number, dtype: DType): Tensor {
  return memo(g, `keep:${rate}:${dtype}`, () => {
    const bits = rngBits(g);
    const keepOf = (b: Tensor) => {
      const [keep] = g.node('GreaterOrEqual', [b, g.scalar(keepThreshold(rate), 'uint32')], [['bool', b.shape]]);
      return g.where(keep, g.scalar(1 / (1 - rate), dtype), g.scalar(0, dtype));
    };
    const bound = g.maxMaskElements ?? 0;
    if (bound <= MASK_WHERE_LIMIT) return keepOf(bits);
    const parts: Tensor[] = [];
    for (let i = 0; i * MASK_CHUNK < bound; i++) {
      const chunk = memo(
        g,
        `rng:chunk:${i}`,
        () => g.node('Slice', [bits, g.ints([i * MASK_CHUNK]), g.ints([(i + 1) * MASK_CHUNK]), g.ints([0])], [['uint32', [`rng_chunk_${i}`]]])[0],
      );
      parts.push(keepOf(chunk));
    }
    return g.node('Concat', parts, [[dtype, bits.shape]], { axis: { i: 0 } })[0];
  });
}

/** keepBits (train/rng.ts) of element indices 0 .. count - 1, in uint32 ops the WebGPU provider runs. */
function rngBits(g: Graph): Tensor {
  return memo(g, 'rng:bits', () => {
    const count = g.input(RNG_COUNT, 'int32', []);
    const s0 = g.input(RNG_SEED0, 'uint32', []);
    const s1 = g.input(RNG_SEED1, 'uint32', []);
    const [idx] = g.node('Range', [g.scalar(0, 'int32'), count, g.scalar(1, 'int32')], [['int32', ['dropout_elements']]]);
    const u = (v: number) => g.scalar(v, 'uint32');
    const rot16 = (v: Tensor) => g.add(g.div(v, u(65536)), g.mul(v, u(65536)));
    const y = g.add(g.mul(g.cast(idx, 'uint32'), u(WEYL)), s0);
    const z = g.add(y, s1);
    let x = rot16(g.add(g.mul(y, y), y));
    x = rot16(g.add(g.mul(x, x), z));
    x = rot16(g.add(g.mul(x, x), y));
    return g.add(g.mul(x, x), z);
  });
}
