// Measures runtime strategies for one training step of a small transformer classifier on onnxruntime-node:
//   (a)  params + Adam moments as inputs, updated ones as outputs (AdamW in the graph)
//   (b)  gradients as outputs, AdamW in TypeScript in place on the fed Float32Arrays (dense embedding gradient)
//   (b') as (b), but the embedding gradient comes back sparse (gathered rows + ids, scatter-added in TypeScript)
//   (c)  as (b'), with K=2 micro-batches in ONE run (gradients summed in the graph) vs K runs of (b')
// Strategies run interleaved, round by round, so machine load hits them alike. Prints a table and JSON.
// Usage: node --import tsx bench/engine-strategies.ts [--rounds 3] [--threads 2] [--batch 8] [--seq 128]
import { cpus, loadavg } from 'node:os';
import { Graph, Program, grad, adamwUpdate, clipCoef, sumSquares, type Tensor, type TensorData } from '../src/engine';

const args = process.argv.slice(2);
const num = (k: string, d: number) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const R = num('rounds', 3),
  threads = num('threads', 2),
  B = num('batch', 8),
  S = num('seq', 128);
const V = num('vocab', 30522),
  H = num('hidden', 256),
  L = num('layers', 4),
  NH = 4,
  FF = 4 * H,
  C = 2;

// ---- a small BERT-like encoder (post-LN, GELU, CLS head); `k` suffixes the inputs for multi-micro-batch graphs
interface P {
  name: string;
  shape: number[];
  decay: boolean;
}
const params: P[] = [];
const add = (name: string, shape: number[]) => params.push({ name, shape, decay: shape.length > 1 });
add('word', [V, H]);
add('pos', [512, H]);
add('eln.w', [H]);
add('eln.b', [H]);
for (let l = 0; l < L; l++) {
  for (const n of ['q', 'k', 'v', 'o']) {
    add(`l${l}.${n}.w`, [H, H]);
    add(`l${l}.${n}.b`, [H]);
  }
  add(`l${l}.ln1.w`, [H]);
  add(`l${l}.ln1.b`, [H]);
  add(`l${l}.f1.w`, [FF, H]);
  add(`l${l}.f1.b`, [FF]);
  add(`l${l}.f2.w`, [H, FF]);
  add(`l${l}.f2.b`, [H]);
  add(`l${l}.ln2.w`, [H]);
  add(`l${l}.ln2.b`, [H]);
}
add('cls.w', [C, H]);
add('cls.b', [C]);

function encoder(g: Graph, p: (n: string) => Tensor, k: string): Tensor {
  const ids = g.input(`input_ids${k}`, 'int64', [`batch${k}`, 'seq']);
  const mask = g.input(`attention_mask${k}`, 'int64', [`batch${k}`, 'seq']);
  const posIds = g.input(`position_ids${k}`, 'int64', ['seq']);
  let x = g.layerNorm(g.add(g.gather(p('word'), ids), g.gather(p('pos'), posIds)), p('eln.w'), p('eln.b'), 1e-12);
  const madd = g.unsqueeze(g.mul(g.sub(g.scalar(1), g.cast(mask, 'float32')), g.scalar(-1e9)), [1, 2]);
  const lin = (t: Tensor, n: string) => g.linear(t, p(`${n}.w`), p(`${n}.b`));
  const heads = (t: Tensor, perm: number[]) => g.transpose(g.reshape(t, [`batch${k}`, 'seq', NH, H / NH]), perm);
  for (let l = 0; l < L; l++) {
    const q = heads(g.mul(lin(x, `l${l}.q`), g.scalar(1 / Math.sqrt(H / NH))), [0, 2, 1, 3]);
    const kk = heads(lin(x, `l${l}.k`), [0, 2, 3, 1]);
    const v = heads(lin(x, `l${l}.v`), [0, 2, 1, 3]);
    const ctx = g.matmul(g.softmax(g.add(g.matmul(q, kk), madd), -1), v);
    const a = lin(g.reshape(g.transpose(ctx, [0, 2, 1, 3]), [`batch${k}`, 'seq', H]), `l${l}.o`);
    x = g.layerNorm(g.add(a, x), p(`l${l}.ln1.w`), p(`l${l}.ln1.b`), 1e-12);
    x = g.layerNorm(g.add(lin(g.gelu(lin(x, `l${l}.f1`)), `l${l}.f2`), x), p(`l${l}.ln2.w`), p(`l${l}.ln2.b`), 1e-12);
  }
  const logits = lin(g.gather(x, g.scalar(0, 'int64'), 1), 'cls');
  return g.softmaxCrossEntropy(logits, g.input(`labels${k}`, 'int64', [`batch${k}`]));
}

function declare(g: Graph) {
  const m = new Map(params.map((q) => [q.name, g.param(q.name, q.shape)]));
  return (n: string) => m.get(n)!;
}

// ---- state shared by all strategies (identical starting weights)
let seed = 1;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.04;
const init = new Map(
  params.map((q) => [q.name, Float32Array.from({ length: q.shape.reduce((a, b) => a * b, 1) }, q.name.endsWith('.w') && q.shape.length === 1 ? () => 1 : rnd)]),
);
const ids = BigInt64Array.from({ length: B * S }, (_, i) => BigInt((i * 7919) % V));
const feedsFor = (k: string, from: number, count: number): Record<string, TensorData> => ({
  [`input_ids${k}`]: { data: ids.subarray(from * S, (from + count) * S), dims: [count, S] },
  [`attention_mask${k}`]: { data: new BigInt64Array(count * S).fill(1n), dims: [count, S] },
  [`position_ids${k}`]: { data: BigInt64Array.from({ length: S }, (_, i) => BigInt(i)), dims: [S] },
  [`labels${k}`]: { data: BigInt64Array.from({ length: count }, (_, i) => BigInt(i % 2)), dims: [count] },
});
const hyper = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

interface Strategy {
  name: string;
  step: () => Promise<{ run: number; ts: number; loss: number }>;
}

/** (b) and (b'): gradients out, TS AdamW. microPerRun > 1 = strategy (c). */
async function gradsOut(name: string, sparse: boolean, microPerRun: number, runs: number): Promise<Strategy> {
  const g = new Graph();
  const p = declare(g);
  const word = p('word');
  let loss: Tensor | null = null;
  const gathered: { rows: Tensor; ids: Tensor }[] = [];
  for (let k = 0; k < microPerRun; k++) {
    const before = g.nodes.length;
    const l = encoder(g, p, microPerRun > 1 ? `_${k}` : '');
    loss = loss ? g.add(loss, l) : l;
    if (sparse) for (const n of g.nodes.slice(before)) if (n.op === 'Gather' && n.inputs[0] === word) gathered.push({ rows: n.outputs[0], ids: n.inputs[1]! });
  }
  const dense = params.filter((q) => !(sparse && q.name === 'word'));
  const gs = grad(g, loss!, [...dense.map((q) => p(q.name)), ...gathered.map((x) => x.rows)]);
  g.output('loss', loss!);
  dense.forEach((q, i) => g.output(`g/${q.name}`, gs[i]));
  gathered.forEach((x, i) => g.output(`rows${i}`, gs[dense.length + i]));
  const prog = await Program.compile(g, { threads });
  const w = new Map([...init].map(([k, v]) => [k, v.slice()]));
  const m = new Map(params.map((q) => [q.name, new Float32Array(w.get(q.name)!.length)]));
  const v = new Map(params.map((q) => [q.name, new Float32Array(w.get(q.name)!.length)]));
  const acc = new Map(params.map((q) => [q.name, new Float32Array(w.get(q.name)!.length)]));
  const pf: Record<string, TensorData> = Object.fromEntries(params.map((q) => [q.name, { data: w.get(q.name)!, dims: q.shape }]));
  let t = 0;
  return {
    name,
    step: async () => {
      let run = 0,
        ts = 0,
        lossSum = 0;
      const mb = B / (runs * microPerRun);
      const grads = new Map<string, Float32Array>();
      const touched: number[] = [];
      for (let r = 0; r < runs; r++) {
        const feeds: Record<string, TensorData> = { ...pf };
        for (let k = 0; k < microPerRun; k++) Object.assign(feeds, feedsFor(microPerRun > 1 ? `_${k}` : '', (r * microPerRun + k) * mb, mb));
        const t0 = performance.now();
        const out = await prog.run(feeds);
        const t1 = performance.now();
        lossSum += Number(out.loss.data[0]);
        // as the Trainer does: use output arrays directly for one run, else sum into buffers
        for (const q of dense) {
          const d = out[`g/${q.name}`].data as Float32Array;
          if (runs === 1) {
            grads.set(q.name, d);
            continue;
          }
          const a = acc.get(q.name)!;
          if (r === 0) a.set(d);
          else for (let i = 0; i < a.length; i++) a[i] += d[i];
          grads.set(q.name, a);
        }
        gathered.forEach((_, k) => {
          const rows = out[`rows${k}`].data as Float32Array,
            a = acc.get('word')!;
          const idsK = ids.subarray((r * microPerRun + k) * mb * S, (r * microPerRun + k + 1) * mb * S);
          for (let j = 0; j < idsK.length; j++) {
            const row = Number(idsK[j]);
            touched.push(row);
            const dst = row * H,
              src = j * H;
            for (let c = 0; c < H; c++) a[dst + c] += rows[src + c];
          }
          grads.set('word', a);
        });
        run += t1 - t0;
        ts += performance.now() - t1;
      }
      const t2 = performance.now();
      let sq = 0;
      for (const [name, d] of grads) if (!(sparse && name === 'word')) sq += sumSquares(d);
      const uniq = [...new Set(touched)];
      for (const row of uniq) sq += sumSquares(acc.get('word')!, row * H, (row + 1) * H);
      const scale = clipCoef(Math.sqrt(sq), 1);
      t++;
      for (const q of params)
        adamwUpdate(w.get(q.name)!, grads.get(q.name)!, m.get(q.name)!, v.get(q.name)!, { ...hyper, weightDecay: q.decay ? 0.01 : 0 }, t, scale);
      for (const row of uniq) acc.get('word')!.fill(0, row * H, (row + 1) * H);
      ts += performance.now() - t2;
      return { run, ts, loss: lossSum / runs };
    },
  };
}

/** (a): params and moments in, updated ones out; AdamW (with global-norm clipping) in the graph. */
async function inGraph(): Promise<Strategy> {
  const g = new Graph();
  const p = declare(g);
  const loss = encoder(g, p, '');
  const ps = params.map((q) => p(q.name));
  const gs = grad(g, loss, ps);
  const lr = g.input('lr', 'float32', []),
    bc1 = g.input('bc1', 'float32', []),
    bc2 = g.input('bc2sqrt', 'float32', []);
  const sq = gs.map((d) =>
    g.reduceSum(
      g.mul(d, d),
      d.shape.map((_, i) => i),
    ),
  );
  const norm = g.sqrt(sq.reduce((a, b) => g.add(a, b)));
  const coef0 = g.div(g.scalar(1), g.add(norm, g.scalar(1e-6)));
  const coef = g.where(g.less(coef0, g.scalar(1)), coef0, g.scalar(1));
  const s = (x: number) => g.scalar(x);
  g.output('loss', loss);
  params.forEach((q, i) => {
    const d = g.mul(gs[i], coef);
    const m = g.input(`m/${q.name}`, 'float32', q.shape),
      v = g.input(`v/${q.name}`, 'float32', q.shape);
    const m2 = g.add(g.mul(m, s(hyper.beta1)), g.mul(d, s(1 - hyper.beta1)));
    const v2 = g.add(g.mul(v, s(hyper.beta2)), g.mul(g.mul(d, d), s(1 - hyper.beta2)));
    const decayed = g.mul(ps[i], g.sub(s(1), g.mul(lr, s(q.decay ? 0.01 : 0))));
    const upd = g.div(g.mul(m2, g.div(lr, bc1)), g.add(g.div(g.sqrt(v2), bc2), s(hyper.eps)));
    g.output(`p2/${q.name}`, g.sub(decayed, upd));
    g.output(`m2/${q.name}`, m2);
    g.output(`v2/${q.name}`, v2);
  });
  const prog = await Program.compile(g, { threads });
  const state: Record<string, TensorData> = {};
  for (const q of params) {
    const n = init.get(q.name)!.length;
    state[q.name] = { data: init.get(q.name)!.slice(), dims: q.shape };
    state[`m/${q.name}`] = { data: new Float32Array(n), dims: q.shape };
    state[`v/${q.name}`] = { data: new Float32Array(n), dims: q.shape };
  }
  let t = 0;
  return {
    name: '(a) params+moments in/out, AdamW in graph',
    step: async () => {
      t++;
      const feeds = {
        ...state,
        ...feedsFor('', 0, B),
        lr: { data: Float32Array.of(hyper.lr), dims: [] },
        bc1: { data: Float32Array.of(1 - hyper.beta1 ** t), dims: [] },
        bc2sqrt: { data: Float32Array.of(Math.sqrt(1 - hyper.beta2 ** t)), dims: [] },
      };
      const t0 = performance.now();
      const out = await prog.run(feeds);
      const t1 = performance.now();
      for (const q of params) {
        state[q.name] = out[`p2/${q.name}`];
        state[`m/${q.name}`] = out[`m2/${q.name}`];
        state[`v/${q.name}`] = out[`v2/${q.name}`];
      }
      return { run: t1 - t0, ts: performance.now() - t1, loss: Number(out.loss.data[0]) };
    },
  };
}

async function main() {
  const nParams = params.reduce((a, q) => a + q.shape.reduce((x, y) => x * y, 1), 0);
  console.log(`model: vocab ${V}, hidden ${H}, ${L} layers, ${(nParams / 1e6).toFixed(1)}M params; batch ${B}x${S}; ${threads} threads; ${R} rounds`);
  const strategies = [
    await inGraph(),
    await gradsOut('(b) grads out, AdamW in TS (dense embedding grad)', false, 1, 1),
    await gradsOut("(b') grads out, AdamW in TS, sparse embedding grad", true, 1, 1),
    await gradsOut("(b') x2 runs of half batches (accumulation)", true, 1, 2),
    await gradsOut('(c) 2 half-batch micro-steps in one run', true, 2, 1),
  ];
  const times = new Map(strategies.map((s) => [s.name, [] as { run: number; ts: number; loss: number }[]]));
  for (const s of strategies) await s.step(); // warm-up
  for (let r = 0; r < R; r++) for (const s of strategies) times.get(s.name)!.push(await s.step());
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = strategies.map((s) => {
    const t = times.get(s.name)!;
    const best = t.reduce((a, b) => (a.run + a.ts <= b.run + b.ts ? a : b));
    return {
      strategy: s.name,
      totalMs: Math.round(med(t.map((x) => x.run + x.ts))),
      runMs: Math.round(med(t.map((x) => x.run))),
      tsMs: Math.round(med(t.map((x) => x.ts))),
      bestMs: Math.round(best.run + best.ts),
      bestRunMs: Math.round(best.run),
      bestTsMs: Math.round(best.ts),
      lastLoss: t[t.length - 1].loss,
    };
  });
  const base = rows[2];
  for (const r of rows) {
    console.log(
      `${r.strategy.padEnd(52)} median ${String(r.totalMs).padStart(6)} ms (run ${r.runMs}, TS ${r.tsMs}) x${(r.totalMs / base.totalMs).toFixed(2)} | best ${String(r.bestMs).padStart(6)} ms (run ${r.bestRunMs}, TS ${r.bestTsMs}) x${(r.bestMs / base.bestMs).toFixed(2)} vs (b')`,
    );
  }
  console.log(JSON.stringify({ machine: `${cpus().length} cores`, load: loadavg(), rows }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
