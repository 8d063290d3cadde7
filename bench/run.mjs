#!/usr/bin/env node
// Training-step benchmark: the engine (onnxruntime-node) against PyTorch on the same machine, in the same run.
// For DistilBERT-sized (6 layers) and BERT-base-sized (12 layers) random models, hidden 768, 12 heads, FFN 3072,
// vocab 30522, batch 8 x 256 tokens: seconds per full training step (forward, loss, backward, clipping, AdamW;
// median after warmup), achieved matmul GFLOP/s against the machine's measured 2-thread 2048x2048 MatMul rate
// (onnxruntime), and each process's peak RSS. Each measurement runs in its own process; engine and PyTorch
// alternate so that load from other work on the machine hits both alike.
//
// Usage: node bench/run.mjs [--steps 3] [--warmup 3] [--only distilbert|bert] [--batch 8] [--seq 256]
//                           [--threads 2] [--rounds 1] [--dropout 0] [--spinning 0|1]
// Targets: engine >= 1.5x PyTorch's speed, >= 50% of the MatMul rate, peak RSS <= 1.5x PyTorch's.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const steps = Number(opt('steps', 3));
const warmup = Number(opt('warmup', 3)); // the first engine steps are slower than later ones; both sides warm up alike
const batch = Number(opt('batch', 8));
const seq = Number(opt('seq', 256));
const threads = Number(opt('threads', 2));
const rounds = Number(opt('rounds', 1));
const dropout = Number(opt('dropout', 0));
const spinning = Number(opt('spinning', 0)); // 1: onnxruntime threads spin between ops (engine only)
const only = opt('only', '');
const python = opt('python', '/usr/bin/python3');

const H = 768,
  I = 3072,
  LABELS = 2;
const MODELS = [
  { name: 'distilbert', label: 'DistilBERT-size (6 layers)', layers: 6 },
  { name: 'bert', label: 'BERT-base-size (12 layers)', layers: 12 },
].filter((m) => !only || m.name === only);

/** Matmul FLOPs of one training step: backward costs twice the forward (grads of inputs and of weights). */
function stepFlops(L) {
  const T = batch * seq;
  const perLayerLinear = 4 * H * H + 2 * H * I;
  const forward =
    2 * T * perLayerLinear * L + // q, k, v, out, FFN in/out
    2 * 2 * batch * seq * seq * H * L + // q k^T and probs v
    2 * batch * (H * H + H * LABELS); // pooler / pre_classifier and classifier on the first token
  return 3 * forward;
}

function runJson(cmd, argv, env) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) {
    throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-5).join(' | ')}`);
  }
  return JSON.parse(line);
}

const engineRun = (m) =>
  runJson(process.execPath, [
    '--import',
    'tsx',
    'bench/engine_step.ts',
    '--arch',
    m.name,
    '--layers',
    String(m.layers),
    '--batch',
    String(batch),
    '--seq',
    String(seq),
    '--steps',
    String(steps),
    '--warmup',
    String(warmup),
    '--threads',
    String(threads),
    '--dropout',
    String(dropout),
    '--spinning',
    String(spinning),
  ]);
const torchRun = (m) =>
  runJson(
    python,
    [
      'bench/torch_step.py',
      '--arch',
      m.name,
      '--layers',
      String(m.layers),
      '--batch',
      String(batch),
      '--seq',
      String(seq),
      '--steps',
      String(steps),
      '--warmup',
      String(warmup),
      '--threads',
      String(threads),
      '--dropout',
      String(dropout),
    ],
    { OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: String(threads) },
  );
const matmulRun = () => runJson(process.execPath, ['--import', 'tsx', 'bench/engine_step.ts', '--matmul', '--threads', String(threads)]);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `bench: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, ${threads} threads, batch ${batch} x ${seq} tokens, ${warmup} warmup + ${steps} timed steps, dropout ${dropout}${spinning ? ', engine threads spinning' : ''}`,
);
const mm = matmulRun();
console.log(
  `onnxruntime 2048x2048 MatMul, ${threads} threads: ${mm.gflops.toFixed(1)} GFLOP/s (best of ${mm.runs.length}; all: ${mm.runs.map((x) => x.toFixed(0)).join(', ')})`,
);

const rows = [];
for (const m of MODELS) {
  const eng = [],
    tor = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order between rounds so neither side always runs first.
    if (r % 2 === 0) {
      eng.push(engineRun(m));
      tor.push(torchRun(m));
    } else {
      tor.push(torchRun(m));
      eng.push(engineRun(m));
    }
  }
  const e = median(eng.map((x) => x.secondsPerStep));
  const t = median(tor.map((x) => x.secondsPerStep));
  const eCpu = median(eng.map((x) => x.cpuSecondsPerStep));
  const tCpu = median(tor.map((x) => x.cpuSecondsPerStep));
  const flops = stepFlops(m.layers);
  const eRss = Math.max(...eng.map((x) => x.peakRssMiB));
  const tRss = Math.max(...tor.map((x) => x.peakRssMiB));
  const mmHere = median(eng.map((x) => x.matmulGflops ?? mm.gflops));
  rows.push({ m, e, t, eCpu, tCpu, flops, eRss, tRss, mmHere, eng, tor });
  console.log(
    `${m.label}: engine ${eng.map((x) => x.stepTimes.map((s) => s.toFixed(2)).join('/')).join(' ; ')} s, pytorch ${tor.map((x) => x.stepTimes.map((s) => s.toFixed(2)).join('/')).join(' ; ')} s`,
  );
  console.log(
    `  engine ${eng[0].params} params, losses ${eng[0].losses.map((x) => x.toFixed(4)).join(' ')}; pytorch ${tor[0].params} params, losses ${tor[0].losses.map((x) => x.toFixed(4)).join(' ')}; torch BLAS: ${tor[0].blas.join(', ') || 'unknown'}`,
  );
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log('');
console.log(
  `${pad('model', 28)}${lpad('engine s/step', 14)}${lpad('torch s/step', 14)}${lpad('speed x', 9)}${lpad('eng GFLOP/s', 12)}${lpad('torch GFLOP/s', 14)}${lpad('% MatMul', 10)}${lpad('eng RSS MiB', 12)}${lpad('torch RSS MiB', 14)}${lpad('RSS x', 7)}`,
);
let ok = true;
for (const r of rows) {
  const speed = r.t / r.e;
  const eg = r.flops / r.e / 1e9;
  const tg = r.flops / r.t / 1e9;
  const pct = (100 * eg) / r.mmHere;
  const rss = r.eRss / r.tRss;
  ok &&= speed >= 1.5 && pct >= 50 && rss <= 1.5;
  console.log(
    `${pad(r.m.label, 28)}${lpad(r.e.toFixed(2), 14)}${lpad(r.t.toFixed(2), 14)}${lpad(speed.toFixed(2), 9)}${lpad(eg.toFixed(1), 12)}${lpad(tg.toFixed(1), 14)}${lpad(pct.toFixed(0) + '%', 10)}${lpad(r.eRss.toFixed(0), 12)}${lpad(r.tRss.toFixed(0), 14)}${lpad(rss.toFixed(2), 7)}`,
  );
}
console.log('');
console.log(`${pad('CPU time (all threads)', 28)}${lpad('engine CPU s', 14)}${lpad('torch CPU s', 14)}${lpad('CPU x', 9)}`);
for (const r of rows) console.log(`${pad(r.m.label, 28)}${lpad(r.eCpu.toFixed(2), 14)}${lpad(r.tCpu.toFixed(2), 14)}${lpad((r.tCpu / r.eCpu).toFixed(2), 9)}`);
console.log('CPU seconds per step count work done whatever else runs on the machine; wall-clock ratios above are the targets.');
console.log(
  `matmul FLOPs/step: ${rows.map((r) => `${r.m.name} ${(r.flops / 1e9).toFixed(0)} GFLOP`).join(', ')}; % MatMul uses the 2048x2048 rate measured in the engine process before its steps`,
);
console.log(`targets (speed >= 1.5x, >= 50% of MatMul, RSS <= 1.5x): ${ok ? 'met' : 'NOT all met'}`);
