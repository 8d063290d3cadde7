// The engine side of bench/gpu_check.sh: on the GPU (CUDA if its provider runs, else WebGPU), train a random
// DistilBERT-sized classifier with the state resident on the device and compare each loss with the CPU host
// trainer (same seed, same batches, dropout masks from the same counter-based RNG); then time steps at the
// benchmark size. Writes one JSON file (--out) and prints a readable log.
// Usage: node gpu_check.cjs --out FILE [--dry] [--device auto|cuda|webgpu]
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { createClassifier, NormalRng, parseHfConfig } from '../src/engine/models';
import { createTrainer, type Batch, type TrainConfig } from '../src/engine/train/trainer';
import { selectDevice, describeSelection, ResidentTrainer, type DeviceChoice } from '../src/engine/devices';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const dry = args.includes('--dry');
const out = opt('out', 'gpu_check_node.json');
const log = (...a: unknown[]) => console.log('[engine]', ...a);

// DistilBERT-base dimensions (66M parameters); --dry: a tiny model so the script itself can be tested on a CPU.
const dims = dry
  ? { layers: 2, hidden: 32, heads: 2, inter: 64, vocab: 200, parity: { B: 4, S: 16, steps: 6 }, bench: { B: 8, S: 32, warm: 1, steps: 3, K: 3 } }
  : { layers: 6, hidden: 768, heads: 12, inter: 3072, vocab: 30522, parity: { B: 8, S: 128, steps: 20 }, bench: { B: 32, S: 256, warm: 2, steps: 10, K: 5 } };

function randomModel() {
  const cfg = parseHfConfig({ model_type: 'distilbert', dim: dims.hidden, n_layers: dims.layers, n_heads: dims.heads, hidden_dim: dims.inter, vocab_size: dims.vocab, dropout: 0.1, attention_dropout: 0.1, seq_classif_dropout: 0.2 });
  const model = createClassifier(cfg, 2);
  const rng = new NormalRng(0);
  const weights = new Map<string, Float32Array>();
  for (const p of model.params) {
    const n = p.shape.reduce((x, y) => x * y, 1);
    const norm = /LayerNorm|layer_norm/.test(p.name);
    weights.set(p.name, norm && p.name.endsWith('.weight') ? new Float32Array(n).fill(1)
      : p.name.endsWith('.bias') || norm ? new Float32Array(n) : Float32Array.from({ length: n }, () => 0.02 * rng.next()));
  }
  return { model, weights };
}

/** Deterministic batches with padding (varying lengths) so that attention masking is exercised. */
function batches(count: number, B: number, S: number, seed: number): Batch[] {
  const rng = new NormalRng(seed);
  return Array.from({ length: count }, () => {
    const ids = new BigInt64Array(B * S), mask = new BigInt64Array(B * S);
    const labels = new BigInt64Array(B);
    for (let b = 0; b < B; b++) {
      const len = Math.max(2, Math.floor(S * (0.5 + 0.5 * rng.uniform())));
      for (let s = 0; s < len; s++) { ids[b * S + s] = BigInt(5 + Math.floor(rng.uniform() * (dims.vocab - 5))); mask[b * S + s] = 1n; }
      labels[b] = BigInt(rng.uniform() < 0.5 ? 0 : 1);
    }
    return { inputIds: ids, attentionMask: mask, labels, batch: B, seq: S };
  });
}

const config: TrainConfig = {
  lr: 5e-5, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8, maxGradNorm: 1, warmupSteps: 2, totalSteps: 1000,
  schedule: 'linear', gradAccumSteps: 1, seed: 0, freeze: 'all', dropout: true, threads: cpus().length,
};

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function main() {
  const report: Record<string, unknown> = { dry, dims };
  const t0 = performance.now();
  let sel = await selectDevice(opt('device', dry ? 'webgpu' : 'auto') as DeviceChoice);
  if (sel.device === 'cpu' && sel.requested === 'auto') {
    // auto skips WebGPU without a GPU device node; a container may hide /dev/nvidia* yet expose Vulkan
    const w = await selectDevice('webgpu');
    if (w.device === 'webgpu') sel = { ...w, reasons: sel.reasons };
  }
  report.selection = sel;
  log(describeSelection(sel), `(probed in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (sel.device === 'cpu') log('no accelerator works: the comparison below runs CPU against CPU and proves only the script');
  const gpuBuffers = sel.device === 'webgpu';

  // 1. parity: resident device training vs the CPU host trainer, same seed and batches
  const { B, S, steps } = dims.parity;
  const data = batches(steps, B, S, 1);
  let t = performance.now();
  const { model, weights } = randomModel();
  const host = await createTrainer(model, weights, config);
  const cpuLoss: number[] = [];
  for (const b of data) cpuLoss.push((await host.step(b)).loss);
  await host.dispose();
  log(`cpu host trainer: ${steps} steps ${B}x${S} in ${((performance.now() - t) / 1000).toFixed(1)} s; losses ${cpuLoss.map((l) => l.toFixed(4)).join(' ')}`);

  t = performance.now();
  const dev = await ResidentTrainer.create(model, weights, config, { providers: sel.executionProviders, gpuBuffers });
  const createS = (performance.now() - t) / 1000;
  const devLoss: number[] = [];
  t = performance.now();
  for (const b of data) devLoss.push((await dev.steps([b]))[0].loss);
  const rel = devLoss.map((l, i) => Math.abs(l - cpuLoss[i]) / Math.abs(cpuLoss[i]));
  const parityOk = Math.max(...rel) <= 1e-3;
  report.parity = { batch: B, seq: S, steps, cpuLoss, devLoss, maxRel: Math.max(...rel), ok: parityOk, sessionCreateS: createS, stateLocations: dev.stateLocations };
  log(`${sel.device} resident: session ${createS.toFixed(1)} s, ${steps} steps in ${((performance.now() - t) / 1000).toFixed(1)} s; losses ${devLoss.map((l) => l.toFixed(4)).join(' ')}`);
  log(`PARITY ${parityOk ? 'OK' : 'FAIL'}: max relative loss difference ${Math.max(...rel).toExponential(2)} (limit 1e-3); state on ${dev.stateLocations.join(',')}`);

  // 2. timing at the benchmark size, one step per run (the same session: batch and seq are symbolic)
  const bb = dims.bench;
  const timing = batches(bb.warm + bb.steps, bb.B, bb.S, 2);
  const times: number[] = [];
  for (const [i, b] of timing.entries()) {
    t = performance.now();
    await dev.steps([b]);
    if (i >= bb.warm) times.push((performance.now() - t) / 1000);
  }
  await dev.dispose();
  report.step = { device: sel.device, batch: bb.B, seq: bb.S, microSteps: 1, secondsPerStep: median(times), stepTimes: times };
  log(`${sel.device} step ${bb.B}x${bb.S}, 1 step per run: median ${(median(times) * 1000).toFixed(1)} ms (${times.map((x) => (x * 1000).toFixed(0)).join(' ')})`);

  // 3. CUDA only: K steps per run (ONNX Loop) pays the host<->device state transfers once per K steps
  if (sel.device === 'cuda' || dry) {
    const K = bb.K;
    t = performance.now();
    const loop = await ResidentTrainer.create(model, weights, config, { providers: sel.executionProviders, microSteps: K, gpuBuffers });
    const createLoopS = (performance.now() - t) / 1000;
    const loopLoss: number[] = [];
    for (let i = 0; i < Math.floor(steps / K) * K; i += K) for (const r of await loop.steps(data.slice(i, i + K))) loopLoss.push(r.loss);
    const lrel = loopLoss.map((l, i) => Math.abs(l - cpuLoss[i]) / Math.abs(cpuLoss[i]));
    const runs = batches(2 * K, bb.B, bb.S, 3);
    const per: number[] = [];
    for (let i = 0; i < runs.length; i += K) {
      t = performance.now();
      await loop.steps(runs.slice(i, i + K));
      per.push((performance.now() - t) / 1000 / K);
    }
    await loop.dispose();
    report.loop = { microSteps: K, sessionCreateS: createLoopS, parityMaxRel: Math.max(...lrel), parityOk: Math.max(...lrel) <= 1e-3, secondsPerStep: Math.min(...per), perRun: per };
    log(`${sel.device} Loop K=${K}: session ${createLoopS.toFixed(1)} s; parity max rel ${Math.max(...lrel).toExponential(2)}; ${bb.B}x${bb.S} ${(Math.min(...per) * 1000).toFixed(1)} ms/step (runs: ${per.map((x) => (x * 1000).toFixed(0)).join(' ')})`);
  }
  writeFileSync(out, JSON.stringify(report, null, 1));
  if (!parityOk) process.exitCode = 2;
}

main().catch((e) => {
  console.error('[engine] FAILED:', e instanceof Error ? e.message : String(e));
  process.exit(1);
});
