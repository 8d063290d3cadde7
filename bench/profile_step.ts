// Per-op profile of one engine training step (onnxruntime session profiling), for finding where the step's time
// goes: time per op type and per (op, input shapes) — e.g. which MatMul/Gemm shapes run below the machine's rate.
// Prints a table and one JSON line. Usage:
//   node --import tsx bench/profile_step.ts --arch distilbert --layers 2 --batch 8 --seq 256 --runs 2
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClassifier, NormalRng, parseHfConfig } from '../src/engine/models';
import { buildTrainGraph } from '../src/engine/train/program';
import { serialize } from '../src/engine/onnx/writer';
import { sessionOptions } from '../src/engine/runtime/session';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const num = (name: string, dflt: number): number => Number(opt(name, String(dflt)));

interface Ev {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

/** Matmul FLOPs of a MatMul/Gemm event from its shapes: 2 * K * numel(Y); a Gemm's A is [M, K] or [K, M]. */
function flopsOf(op: string, ins: number[][], outs: number[][]): number {
  const a = ins[0],
    y = outs[0];
  if (!a || !y || !/MatMul|Gemm/.test(op)) return 0;
  const k = /Gemm/.test(op) ? (a[0] * a[1]) / y[0] : a[a.length - 1];
  return 2 * k * y.reduce((p, c) => p * c, 1);
}

async function main(): Promise<void> {
  const arch = opt('arch', 'distilbert');
  const layers = num('layers', 2),
    B = num('batch', 8),
    S = num('seq', 256),
    runs = num('runs', 2),
    threads = num('threads', 2);
  const hidden = num('hidden', 768),
    heads = num('heads', 12),
    inter = num('inter', 3072),
    vocab = num('vocab', 30522);
  const level = opt('opt', 'all') as 'disabled' | 'basic' | 'extended' | 'all';
  const cfg = parseHfConfig(
    arch === 'distilbert'
      ? { model_type: 'distilbert', dim: hidden, n_layers: layers, n_heads: heads, hidden_dim: inter, vocab_size: vocab, dropout: 0, attention_dropout: 0 }
      : {
          model_type: arch,
          hidden_size: hidden,
          num_hidden_layers: layers,
          num_attention_heads: heads,
          intermediate_size: inter,
          vocab_size: vocab,
          hidden_dropout_prob: 0,
          attention_probs_dropout_prob: 0,
          max_position_embeddings: 514,
        },
  );
  const model = createClassifier(cfg, 2);
  const tg = buildTrainGraph(model, { trainable: () => true, dropout: false, seed: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'gft-prof-'));
  const s = serialize(tg.graph);
  const so = { ...sessionOptions({ threads, graphOptimization: level }), enableProfiling: true, profileFilePrefix: join(dir, 'p') };
  const session = await ort.InferenceSession.create(s.bytes, so);
  const rng = new NormalRng(0);
  const feeds: Record<string, ort.Tensor> = {};
  for (const p of model.params) {
    const n = p.shape.reduce((x, y) => x * y, 1);
    if (!s.inputNames.includes(p.name)) continue;
    feeds[p.name] = new ort.Tensor(
      'float32',
      Float32Array.from({ length: n }, () => 0.02 * rng.next()),
      p.shape,
    );
  }
  const ids = BigInt64Array.from({ length: B * S }, () => BigInt(5 + Math.floor(rng.uniform() * (vocab - 5))));
  feeds.input_ids = new ort.Tensor('int64', ids, [B, S]);
  feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(B * S).fill(1n), [B, S]);
  if (s.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(B * S), [B, S]);
  feeds.labels = new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: B }, (_, i) => BigInt(i % 2)),
    [B],
  );
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run(feeds);
    wall.push(performance.now() - t);
  }
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Ev[];
  rmSync(dir, { recursive: true, force: true });

  // node events of the LAST run only (the first one pays for allocations)
  const runEvents = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const last = runEvents[runEvents.length - 1] as Ev & { ts: number };
  const nodes = (events as (Ev & { ts: number })[]).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= last.ts);
  const byOp = new Map<string, { us: number; n: number; flops: number }>();
  const byShape = new Map<string, { us: number; n: number; flops: number }>();
  let total = 0;
  for (const e of nodes) {
    const op = e.args?.op_name ?? '?';
    const ins = (e.args?.input_type_shape ?? []).map((o) => Object.values(o)[0] ?? []);
    const outs = (e.args?.output_type_shape ?? []).map((o) => Object.values(o)[0] ?? []);
    const f = flopsOf(op, ins, outs);
    total += e.dur;
    const o = byOp.get(op) ?? { us: 0, n: 0, flops: 0 };
    o.us += e.dur;
    o.n++;
    o.flops += f;
    byOp.set(op, o);
    const key = `${op} ${ins.map((x) => `[${x}]`).join(' x ')} -> [${outs[0] ?? ''}]`;
    const k = byShape.get(key) ?? { us: 0, n: 0, flops: 0 };
    k.us += e.dur;
    k.n++;
    k.flops += f;
    byShape.set(key, k);
  }
  console.log(
    `${arch} ${layers} layers, batch ${B}x${S}, ${threads} threads, opt ${level}; run wall ms: ${wall.map((x) => x.toFixed(0)).join(', ')}; kernel time of last run ${(total / 1000).toFixed(0)} ms (model_run ${(last.dur / 1000).toFixed(0)} ms)`,
  );
  console.log('\nby op type:');
  for (const [op, v] of [...byOp].sort((a, b) => b[1].us - a[1].us)) {
    console.log(
      `  ${op.padEnd(24)}${String(v.n).padStart(5)}${(v.us / 1000).toFixed(1).padStart(10)} ms${((100 * v.us) / total).toFixed(1).padStart(7)}%${v.flops ? `${(v.flops / v.us / 1e3).toFixed(1).padStart(8)} GFLOP/s` : ''}`,
    );
  }
  console.log('\nby op and shape (top 40):');
  for (const [key, v] of [...byShape].sort((a, b) => b[1].us - a[1].us).slice(0, Number(opt('top', '40')))) {
    console.log(
      `  ${(v.us / 1000).toFixed(1).padStart(8)} ms${((100 * v.us) / total).toFixed(1).padStart(6)}% x${String(v.n).padEnd(4)}${v.flops ? `${(v.flops / v.us / 1e3).toFixed(1).padStart(7)} GF/s ` : '             '}${key}`,
    );
  }
  console.log(JSON.stringify({ wallMs: wall, kernelMs: total / 1000, byOp: Object.fromEntries([...byOp].map(([k, v]) => [k, v.us / 1000])) }));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
