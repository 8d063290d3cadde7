// npm run bench:device -- --device webgpu|cuda|cpu --size tiny|distil-narrow|distil --batch B --seq S --steps N [--json]
//   [--warmup W] [--no-parity] [--no-profile] [--out FILE]
// One training configuration on the device trainer (src/engine/devices/resident.ts: forward, backward, clipping
// and AdamW in one graph, state resident on the device), random weights, dropout on. Prints, as one JSON line
// with --json:
//   device, adapter          the execution provider used and the adapter onnxruntime ran on (where known)
//   stepMs                   median wall time of the timed steps (unprofiled session)
//   kernelsPerStep           GPU kernels dispatched per step (WebGPU "Api" events of a profiled session)
//   nodesPerStep             graph nodes executed per step, by provider
//   cpuNodes                 op types placed on the CPU provider (with counts per step)
//   uploadBytesPerStep       host->device copies per step (MemcpyFromHost: the fed batch, and the outputs of any node
//                            that ran on the CPU provider and feeds a device node)
//   maxLossRelErrVsCpu       max |loss_device - loss_cpu| / |loss_cpu| over the steps, against the CPU host trainer
//                            (src/engine/train/trainer.ts) with the same seed, batches and dropout masks
// On a machine without a GPU, WebGPU runs on Mesa's lavapipe (software Vulkan): counts, placement and parity are
// real there; only the timings need a GPU.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { createTrainer, type TrainConfig } from '../src/engine/train/trainer';
import { ResidentTrainer, selectDevice, type DeviceChoice } from '../src/engine/devices';
import { readProfile } from '../src/engine/devices/profile';
import { median, randomBatches, randomModel, SIZES } from './deviceModels';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = (name: string) => args.includes(`--${name}`);
const device = opt('device', 'webgpu') as DeviceChoice;
const size = opt('size', 'tiny') as keyof typeof SIZES;
if (!SIZES[size]) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')} (got '${size}')`);
const B = Number(opt('batch', '8')),
  S = Number(opt('seq', '128')),
  steps = Number(opt('steps', '3')),
  warm = Number(opt('warmup', '1'));
const dims = SIZES[size];
const log = (...a: unknown[]) => {
  if (!flag('json')) console.log(...a);
};

const config: TrainConfig = {
  lr: 5e-5,
  weightDecay: 0.01,
  betas: [0.9, 0.999],
  eps: 1e-8,
  maxGradNorm: 1,
  warmupSteps: 2,
  totalSteps: 1000,
  schedule: 'linear',
  gradAccumSteps: 1,
  seed: 0,
  trainLayers: 'all',
  dropout: true,
  threads: cpus().length,
};

async function main() {
  const sel = await selectDevice(device);
  if (sel.device !== device) throw new Error(`device ${device} cannot be used here: ${JSON.stringify(sel.reasons)}`);
  const providers = sel.executionProviders;
  const gpuBuffers = sel.device === 'webgpu';
  const { model, weights } = randomModel(dims);
  const data = randomBatches(warm + steps, B, S, dims.vocab, 1);
  const res: Record<string, unknown> = { device: sel.device, adapter: (sel as { adapter?: unknown }).adapter ?? null, size, batch: B, seq: S, steps };

  // timed run (unprofiled): the first `warm` steps are not timed
  const t0 = performance.now();
  const dev = await ResidentTrainer.create(model, weights, config, { providers, gpuBuffers, maxMaskDims: { batch: B, seq: S } });
  res.sessionCreateMs = Math.round(performance.now() - t0);
  const devLoss: number[] = [],
    times: number[] = [],
    uploads: number[] = [];
  for (const [i, b] of data.entries()) {
    const t = performance.now();
    devLoss.push((await dev.steps([b]))[0].loss);
    if (i >= warm) {
      times.push(performance.now() - t);
      uploads.push(dev.lastUploadBytes);
    }
  }
  await dev.dispose();
  res.stepMs = Math.round(median(times) * 10) / 10;
  res.stepTimesMs = times.map((x) => Math.round(x));
  log(`${sel.device} ${size} ${B}x${S}: session ${res.sessionCreateMs} ms, steps ${res.stepTimesMs} ms; losses ${devLoss.map((l) => l.toFixed(5)).join(' ')}`);

  if (!flag('no-profile')) {
    const dir = mkdtempSync(join(tmpdir(), 'gft-prof-'));
    const p = await ResidentTrainer.create(model, weights, config, {
      providers,
      gpuBuffers,
      profilePrefix: join(dir, 'step'),
      maxMaskDims: { batch: B, seq: S },
    });
    const n = Math.min(data.length, 2);
    for (const b of data.slice(0, n)) await p.steps([b]);
    p.endProfiling();
    await p.dispose();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const runs = readProfile(join(dir, file));
    const last = runs[runs.length - 1]; // the second step: the first one uploads the initial state
    rmSync(dir, { recursive: true, force: true });
    res.kernelsPerStep = last.kernels;
    res.kernelMsPerStep = Math.round(last.kernelMs * 10) / 10;
    res.nodesPerStep = last.nodesByProvider;
    res.cpuNodes = last.cpuOps;
    res.kernelsByOp = last.kernelsByOp;
    // the fed host tensors that device nodes read are copied up by MemcpyFromHost nodes, as is any CPU-fallback
    // output a device node reads: those copies are what crosses to the device
    res.uploadBytesPerStep = last.memcpyFromHostBytes;
    res.uploadBytes = { feeds: median(uploads), memcpyFromHost: last.memcpyFromHostBytes };
    log(
      `kernels/step ${last.kernels}; nodes ${JSON.stringify(last.nodesByProvider)}; cpu ops ${JSON.stringify(last.cpuOps)}; upload ${res.uploadBytesPerStep} B/step`,
    );
  } else res.uploadBytesPerStep = median(uploads);

  if (!flag('no-parity')) {
    const host = await createTrainer(model, weights, { ...config, providers: ['cpu'] });
    const cpuLoss: number[] = [];
    for (const b of data) cpuLoss.push((await host.step(b)).loss);
    await host.dispose();
    const rel = devLoss.map((l, i) => Math.abs(l - cpuLoss[i]) / Math.abs(cpuLoss[i]));
    res.maxLossRelErrVsCpu = Math.max(...rel);
    res.cpuLoss = cpuLoss;
    log(`cpu losses ${cpuLoss.map((l) => l.toFixed(5)).join(' ')}; max rel err ${Math.max(...rel).toExponential(2)}`);
  }
  res.devLoss = devLoss;
  const line = JSON.stringify(res);
  if (flag('json')) console.log(line);
  const out = opt('out', '');
  if (out) writeFileSync(out, line + '\n');
}

main().catch((e) => {
  console.error(`bench:device: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
