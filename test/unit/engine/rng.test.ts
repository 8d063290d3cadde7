// Dropout keep-masks: the TypeScript stream (train/rng.ts) against the masks a graph makes itself (Graph option
// masks: 'in-graph') on the CPU provider and on WebGPU, bit for bit; and the stream's statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  fillKeepMask,
  grad,
  Graph,
  keepBits,
  keepThreshold,
  lrLambda,
  maskInputs,
  maskOffsets,
  Program,
  serialize,
  stepSeeds,
  type Dim,
  type Tensor,
} from '../../../src/engine';
import { probeWebgpu } from '../../../src/engine/devices';

const N = 1 << 20;
const mask = (rate: number, seed: number, counter: number, offset = 0, n = N) => {
  const m = new Uint8Array(n);
  fillKeepMask(m, rate, seed, counter, offset);
  return m;
};
const mean = (m: Uint8Array) => m.reduce((s, x) => s + x, 0) / m.length;
/** |observed - expected| in standard deviations of a mean of n Bernoulli(p) draws */
const z = (observed: number, p: number, n: number) => Math.abs(observed - p) / Math.sqrt((p * (1 - p)) / n);

test('fillKeepMask is keepBits >= threshold of the (seed, counter) stream from the given offset, in any split', () => {
  const [s0, s1] = stepSeeds(7, 3);
  const m = mask(0.3, 7, 3, 1000, 5000);
  const t = keepThreshold(0.3);
  m.forEach((v, j) => assert.equal(v, keepBits(s0, s1, 1000 + j) >= t ? 1 : 0, `element ${j}`));
  // two sites = two parts of one stream
  assert.deepEqual([...mask(0.3, 7, 3, 1000, 1234), ...mask(0.3, 7, 3, 2234, 3766)], [...m]);
  assert.deepEqual(stepSeeds(7, 2 ** 33 + 3), stepSeeds(7, 2 ** 33 + 3));
  assert.notDeepEqual(stepSeeds(7, 2 ** 33 + 3), stepSeeds(7, 3));
  assert.equal(keepThreshold(0.5), 2 ** 31);
  assert.throws(() => fillKeepMask(new Uint8Array(10), 0.1, 1, 1, 2 ** 31 - 5), /elements 2147483643\.\.2147483653 are outside 0\.\.2147483647/);
});

test('mask statistics: keep rate, neighbours, sites, successive counters and seeds are independent', () => {
  const worst: string[] = [];
  for (const rate of [0.1, 0.5]) {
    const p = 1 - rate;
    const a = mask(rate, 42, 5);
    const zk = z(mean(a), p, N);
    assert.ok(zk < 5, `rate ${rate}: keep fraction ${mean(a)} (${zk.toFixed(1)} sd from ${p})`);
    // both kept: the product of the two masks' keep fractions for independent elements (the fractions observed,
    // so that one mask's overall deviation, checked above, does not show up as a correlation)
    const both = (x: Uint8Array, y: Uint8Array) => x.reduce((s, v, i) => s + (v & y[i]), 0) / x.length;
    const pairs: [string, Uint8Array, Uint8Array][] = [];
    for (const lag of [1, 2, 3, 4, 16, 128, 768, 3072, 65536]) pairs.push([`lag ${lag}`, a.subarray(0, N - lag), a.subarray(lag)]);
    pairs.push(['next site', a, mask(rate, 42, 5, N)]);
    pairs.push(['next counter', a, mask(rate, 42, 6)]);
    pairs.push(['counter + 2^32', a, mask(rate, 42, 5 + 2 ** 32)]);
    pairs.push(['next seed', a, mask(rate, 43, 5)]);
    let max = 0;
    for (const [what, x, y] of pairs) {
      const q = mean(x) * mean(y);
      const zz = z(both(x, y), q, x.length);
      max = Math.max(max, zz);
      assert.ok(zz < 5, `rate ${rate}, ${what}: both kept ${both(x, y)} vs ${q} (${zz.toFixed(1)} sd)`);
    }
    // runs: dropped counts in windows of 32 neighbours follow Binomial(32, rate) (chi-square, cells >= 20 expected)
    const W = 32,
      windows = N / W,
      counts = new Float64Array(W + 1);
    for (let b = 0; b < N; b += W) {
      let k = 0;
      for (let j = 0; j < W; j++) k += 1 - a[b + j];
      counts[k]++;
    }
    let chi = 0,
      df = -1,
      e = 0,
      o = 0,
      c = 1;
    for (let k = 0; k <= W; k++) {
      if (k > 0) c = (c * (W - k + 1)) / k;
      e += windows * c * rate ** k * p ** (W - k);
      o += counts[k];
      if (e >= 20) {
        chi += (o - e) ** 2 / e;
        df++;
        e = 0;
        o = 0;
      }
    }
    // chi2/df < 2 at these df (9 and 16) fails with probability < 0.003
    assert.ok(chi / df < 2, `rate ${rate}: windows of 32, chi2/df ${(chi / df).toFixed(2)} (df ${df})`);
    worst.push(`rate ${rate}: keep z ${zk.toFixed(2)}, worst pair z ${max.toFixed(2)}, window chi2/df ${(chi / df).toFixed(2)} (df ${df})`);
  }
  for (const w of worst) console.log(w);
});

/** A graph with four dropout sites (two rates, symbolic and odd static shapes) on inputs of ones. */
function maskGraph(maskPlan?: { rate: number; shape: readonly Dim[] }[]) {
  const g = new Graph({ training: true, masks: 'in-graph', maskPlan });
  const a = g.input('a', 'float32', ['batch', 'seq', 5]);
  const b = g.input('b', 'float32', ['batch', 3, 'seq', 'seq']);
  const c = g.input('c', 'float32', [7]);
  const first = g.nodes.length;
  const ys: Tensor[] = [g.dropout(a, 0.1), g.dropout(b, 0.5), g.dropout(c, 0.1), g.dropout(a, 0.25)];
  ys.forEach((y, k) => g.output(`y${k}`, y));
  return { g, maskNodes: g.nodes.slice(first).map((n) => `n${n.id}_${n.op}`) };
}

function feedsFor(g: Graph, batch: number, seq: number, seed: number, counter: number) {
  const ones = (dims: number[]) => ({ data: new Float32Array(dims.reduce((x, y) => x * y, 1)).fill(1), dims });
  return { a: ones([batch, seq, 5]), b: ones([batch, 3, seq, seq]), c: ones([7]), ...maskInputs(g.dropoutSites, { batch, seq }, seed, counter, g.maskSplits) };
}

function checkAgainstTs(g: Graph, out: Record<string, { data: unknown }>, batch: number, seq: number, seed: number, counter: number, what: string) {
  const offsets = maskOffsets(g.dropoutSites, { batch, seq });
  g.dropoutSites.forEach((site, k) => {
    const want = mask(site.rate, seed, counter, offsets[k], offsets[k + 1] - offsets[k]);
    const got = out[`y${k}`].data as Float32Array;
    assert.equal(got.length, want.length, `${what} site ${k}: size`);
    const scale = Math.fround(1 / (1 - site.rate));
    let bad = 0;
    for (let j = 0; j < want.length; j++) if (got[j] !== (want[j] ? scale : 0)) bad++;
    assert.equal(bad, 0, `${what} site ${k} (rate ${site.rate}): ${bad} of ${want.length} elements differ from the TypeScript mask`);
  });
}

const cases: [number, number, number, number][] = [
  [2, 3, 42, 0],
  [3, 17, 42, 7],
  [1, 1, 0xffffffff, 2 ** 33 + 5],
  [4, 64, 9, 123456],
];

test('in-graph masks equal the TypeScript masks bit for bit on the CPU provider', async () => {
  const { g } = maskGraph();
  const p = await Program.compile(g);
  for (const [batch, seq, seed, counter] of cases) {
    const out = await p.run(feedsFor(g, batch, seq, seed, counter));
    checkAgainstTs(g, out, batch, seq, seed, counter, `cpu ${batch}x${seq} seed ${seed} counter ${counter}`);
  }
  await p.dispose();
});

test('in-graph masks cut by Splits (mask plan) equal the TypeScript masks on the CPU provider, many sites too', async () => {
  const plan = (g: Graph) => g.dropoutSites.map((s) => ({ rate: s.rate, shape: s.shape }));
  const { g } = maskGraph(plan(maskGraph().g));
  assert.ok(g.maskSplits.length > 0 && !g.nodes.some((n) => n.op === 'Slice'), 'Splits, no Slices');
  const p = await Program.compile(g);
  for (const [batch, seq, seed, counter] of cases) {
    const out = await p.run(feedsFor(g, batch, seq, seed, counter));
    checkAgainstTs(g, out, batch, seq, seed, counter, `cpu, planned, ${batch}x${seq} seed ${seed} counter ${counter}`);
  }
  await p.dispose();
  // 17 sites of three rates: chains of Splits (at most 7 parts each)
  const rates = Array.from({ length: 17 }, (_, k) => (k % 5 === 4 ? 0.3 : k === 16 ? 0.2 : 0.1));
  const build = (maskPlan?: { rate: number; shape: readonly Dim[] }[]) => {
    const h = new Graph({ training: true, masks: 'in-graph', maskPlan });
    const x = h.input('x', 'float32', ['batch', 'seq', 3]);
    rates.forEach((r, k) => h.output(`y${k}`, h.dropout(x, r)));
    return h;
  };
  const h = build(plan(build()));
  assert.ok(h.maskSplits.every((sp) => sp.ranges.length <= 7) && h.maskSplits.length >= 4, `${h.maskSplits.length} Splits`);
  const q = await Program.compile(h);
  for (const [batch, seq, seed, counter] of cases) {
    const ones = new Float32Array(batch * seq * 3).fill(1);
    const out = await q.run({ x: { data: ones, dims: [batch, seq, 3] }, ...maskInputs(h.dropoutSites, { batch, seq }, seed, counter, h.maskSplits) });
    checkAgainstTs(h, out, batch, seq, seed, counter, `cpu, 17 planned sites, ${batch}x${seq}`);
  }
  await q.dispose();
  assert.throws(
    () => build([{ rate: 0.5, shape: ['batch', 'seq', 3] }]),
    /^Error: dropout: site 0 \(rate 0\.1, shape \[batch,seq,3\]\) is not the planned one/,
  );
});

test('in-graph dropout: the gradient is the same mask times 1 / (1 - rate)', async () => {
  const g = new Graph({ training: true, masks: 'in-graph' });
  const x = g.param('x', [3, 50]);
  const y = g.dropout(x, 0.4);
  const [dx] = grad(g, g.reduceSum(y, [0, 1]), [x]);
  g.output('y', y);
  g.output('dx', dx);
  const p = await Program.compile(g);
  const xs = Float32Array.from({ length: 150 }, (_, i) => 0.5 + i);
  const r = await p.run({ x: { data: xs, dims: [3, 50] }, ...maskInputs(g.dropoutSites, {}, 5, 11) });
  const m = mask(0.4, 5, 11, 0, 150);
  const scale = Math.fround(1 / 0.6);
  assert.deepEqual(
    [...(r.dx.data as Float32Array)],
    [...m].map((k) => (k ? scale : 0)),
  );
  assert.deepEqual(
    [...(r.y.data as Float32Array)],
    [...m].map((k, i) => (k ? Math.fround(xs[i] * scale) : 0)),
  );
  await p.dispose();
});

test('in-graph masks equal the TypeScript masks on WebGPU, with every node of the mask computation on the GPU', async (t) => {
  const probe = await probeWebgpu();
  if (!probe.ok) {
    t.diagnostic(`WebGPU unavailable here: ${probe.reason}`);
    return;
  }
  const { g, maskNodes } = maskGraph();
  const dir = mkdtempSync(join(tmpdir(), 'gft-rng-prof-'));
  try {
    const session = await ort.InferenceSession.create(serialize(g).bytes, {
      executionProviders: ['webgpu'],
      enableProfiling: true,
      profileFilePrefix: join(dir, 'p'),
      logSeverityLevel: 3,
    });
    for (const [batch, seq, seed, counter] of cases) {
      const f = feedsFor(g, batch, seq, seed, counter);
      const types: Record<string, ort.Tensor.Type> = {
        a: 'float32',
        b: 'float32',
        c: 'float32',
        'rng/seed0': 'uint32',
        'rng/seed1': 'uint32',
        'rng/count': 'int32',
      };
      const feeds = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, new ort.Tensor(types[k] ?? 'int64', v.data as any, v.dims)]));
      const out = await session.run(feeds);
      checkAgainstTs(g, out as any, batch, seq, seed, counter, `webgpu ${batch}x${seq} seed ${seed} counter ${counter}`);
    }
    session.endProfiling();
    await session.release();
    const events = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8')) as {
      cat: string;
      name: string;
      args?: { op_name?: string; provider?: string };
    }[];
    const placed = new Map<string, string>();
    for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) placed.set(e.name.replace(/_kernel_time$/, ''), String(e.args?.provider));
    // the mask computation (Range, the uint32 rounds, compare, Where, Slice, Mul) runs on the GPU; only int64
    // shape arithmetic for the symbolic Reshape targets (Shape, Concat) may run on the CPU
    const onCpu = maskNodes.filter((n) => placed.get(n) === 'CPUExecutionProvider');
    assert.ok(
      onCpu.every((n) => /_(Shape|Concat)$/.test(n)),
      `mask nodes on the CPU provider: ${onCpu.join(', ')}`,
    );
    const onGpu = maskNodes.filter((n) => placed.get(n) === 'WebGpuExecutionProvider');
    for (const op of ['Range', 'Cast', 'Mul', 'Add', 'Div', 'GreaterOrEqual', 'Where', 'Slice'])
      assert.ok(
        onGpu.some((n) => n.endsWith(`_${op}`)),
        `no ${op} node ran on WebGPU`,
      );
    t.diagnostic(
      `mask nodes: ${onGpu.length} on WebGPU, ${onCpu.length} on the CPU provider (${onCpu.map((n) => n.replace(/^n\d+_/, '')).join(', ') || 'none'})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Over 2^25 stream elements (onnxruntime 1.30's WebGPU Where is wrong from element 2^25 on): chunked masks. */
test('in-graph masks of a 40M-element stream (chunks of 2^24) equal the TypeScript masks past 2^25, CPU and WebGPU', async (t) => {
  const [B, S] = [40, 1_000_000];
  const g = new Graph({ training: true, masks: 'in-graph', maxMaskElements: B * S });
  const x = g.input('x', 'float32', ['batch', 'seq']);
  g.output('y0', g.dropout(x, 0.1));
  assert.equal(g.nodes.filter((n) => n.op === 'Where').length, 3, 'three chunks of at most 2^24');
  const bytes = serialize(g).bytes;
  const providers: string[] = ['cpu'];
  const probe = await probeWebgpu();
  if (probe.ok) providers.push('webgpu');
  else t.diagnostic(`WebGPU unavailable here: ${probe.reason}`);
  const types: Record<string, ort.Tensor.Type> = { x: 'float32', 'rng/seed0': 'uint32', 'rng/seed1': 'uint32', 'rng/count': 'int32' };
  for (const ep of providers) {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], logSeverityLevel: 3 });
    // the full stream, and a short one (the chunks past it are empty)
    for (const [batch, seq, seed, counter] of [
      [B, S, 42, 7],
      [3, 17, 9, 2 ** 33 + 5],
    ]) {
      const n = batch * seq;
      const f = { x: { data: new Float32Array(n).fill(1), dims: [batch, seq] }, ...maskInputs(g.dropoutSites, { batch, seq }, seed, counter) };
      const feeds = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, new ort.Tensor(types[k] ?? 'int64', v.data as any, v.dims)]));
      const out = await session.run(feeds);
      checkAgainstTs(g, out as any, batch, seq, seed, counter, `${ep} ${batch}x${seq}`);
      if (n > 2 ** 25) {
        const y = out.y0.data as Float32Array;
        const kept = y.subarray(2 ** 25).reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
        assert.ok(kept > 0.85 * (n - 2 ** 25), `${ep}: ${kept} of the ${n - 2 ** 25} elements past 2^25 kept`);
      }
    }
    await session.release();
  }
});

test('schedules follow HF: linear warmup then linear decay to 0 at totalSteps', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((s) => lrLambda('linear', s, 2, 6)),
    [0, 0.5, 1, 0.75, 0.5, 0.25, 0],
  );
  assert.deepEqual(
    [0, 1, 5].map((s) => lrLambda('constant_with_warmup', s, 2, 6)),
    [0, 0.5, 1],
  );
  assert.equal(lrLambda('constant', 0, 2, 6), 1);
  assert.throws(() => lrLambda('cosine' as 'linear', 0, 0, 1), /unknown schedule 'cosine'/);
});
