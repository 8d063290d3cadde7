// Device selection for training: 'auto' | 'cpu' | 'cuda' | 'webgpu'. Each accelerator is probed by creating
// and running a tiny session in a CHILD process, because a broken GPU driver can hang or crash the process that
// loads it, and the host must survive that. Every failure is reduced to one line for run.json and the UI.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Graph } from '../ir/graph';
import { serialize } from '../onnx/writer';
import { describeMissingLibraries, hardwareGpus, missingLoaderLibraries, notRealGpu, webgpuAdapter, type GpuAdapterInfo } from './adapter';

export type Device = 'cpu' | 'cuda' | 'webgpu';
export type DeviceChoice = 'auto' | Device;
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'cpu', 'cuda', 'webgpu'];

export interface DeviceProbeResult {
  ok: boolean;
  /** one line: why the device cannot be used (absent when ok) */
  reason?: string;
  ms: number;
}

export interface DeviceSelection {
  requested: DeviceChoice;
  device: Device;
  /** what to pass as SessionOptions.providers (onnxruntime appends CPU for unsupported ops by itself) */
  executionProviders: string[];
  /** one line per accelerator that was considered and not used */
  reasons: Partial<Record<'cuda' | 'webgpu', string>>;
  /** true when an explicitly requested accelerator was unusable and CPU is used instead */
  fallback: boolean;
  /** the GPU adapter the device runs on, as the machine reports it (./adapter.ts); absent on the CPU */
  adapter?: GpuAdapterInfo;
}

/** The CUDA execution provider's libraries, which onnxruntime-node's install script fetches from NuGet. */
export const CUDA_PROVIDER_LIBS = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'] as const;
export const CUDA_NOT_INSTALLED = 'libraries not installed: run `gft gpu install` (needs internet)';

/** onnxruntime-node's package folder (where script/install.js lives). */
export function ortPackageDir(): string {
  return dirname(require.resolve('onnxruntime-node/package.json'));
}

/** The folder holding onnxruntime_binding.node and libonnxruntime.so, where the CUDA libraries must go. */
export function ortBindingDir(pkgDir = ortPackageDir()): string {
  return join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
}

export function cudaLibraries(bindingDir = ortBindingDir()): { present: string[]; missing: string[] } {
  const present: string[] = [],
    missing: string[] = [];
  for (const f of CUDA_PROVIDER_LIBS) (existsSync(join(bindingDir, f)) ? present : missing).push(f);
  return { present, missing };
}

/** A 2x2 MatMul + Add: small, but it needs a real kernel on the device (an Identity could be elided). */
function probeModel(): string {
  const g = new Graph();
  const x = g.input('x', 'float32', [2, 2]);
  g.output('y', g.add(g.matmul(x, x), x));
  return Buffer.from(serialize(g).bytes).toString('base64');
}

// Runs in the child: create the session, run it, check the numbers, print one JSON line.
const CHILD = `
const ort = require(process.env.GFT_ORT_PATH);
const t0 = Date.now();
(async () => {
  const s = await ort.InferenceSession.create(Buffer.from(process.env.GFT_PROBE_MODEL, 'base64'),
    { executionProviders: [process.env.GFT_PROBE_EP], logSeverityLevel: 3 });
  const r = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]) });
  const y = Array.from(r.y.data);
  if (y.join() !== '8,12,18,26') throw new Error('wrong result ' + y.join());
  console.log(JSON.stringify({ ok: true, ms: Date.now() - t0 }));
})().catch((e) => { console.log(JSON.stringify({ ok: false, error: String(e && e.message || e), ms: Date.now() - t0 })); });
`;

/**
 * Creates and runs a tiny session with executionProviders [ep] in a child process (timeout: a hung driver
 * counts as a failure). `env` is added to the child's environment (tests point it at other library paths).
 */
export function probeSession(ep: string, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<DeviceProbeResult> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD], {
      env: {
        ...process.env,
        ...opts.env,
        ELECTRON_RUN_AS_NODE: '1',
        GFT_ORT_PATH: require.resolve('onnxruntime-node'),
        GFT_PROBE_MODEL: probeModel(),
        GFT_PROBE_EP: ep,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - t0;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (signal)
        return resolve({
          ok: false,
          reason: `probe ${signal === 'SIGKILL' ? `timed out after ${timeoutMs / 1000} s` : `killed by ${signal}`} (driver hang or crash?)`,
          ms,
        });
      if (!line) return resolve({ ok: false, reason: `probe process exited with code ${code}: ${oneLine(err) || 'no output'}`, ms });
      const r = JSON.parse(line) as { ok: boolean; error?: string };
      resolve(r.ok ? { ok: true, ms } : { ok: false, reason: explain(r.error ?? '', err), ms });
    });
  });
}

/**
 * Reduces an onnxruntime / Dawn error to one readable line: drops source paths and C++ signatures
 * ("/onnxruntime_src/...cc:136 ...::<lambda()> cond was false. Failed to get a WebGPU adapter: ...").
 */
export function oneLine(msg: string): string {
  const lines = msg
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let s = lines.find((l) => !/^(at |\^|node:internal|Node\.js v)/.test(l)) ?? '';
  s = s.replace(new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g'), ''); // terminal colour codes
  s = s.replace(/\[ONNXRuntimeError\] : \d+ : \w+ : /g, '');
  const falseAt = s.indexOf(' was false. ');
  if (falseAt >= 0) s = s.slice(falseAt + ' was false. '.length);
  s = s.replace(/^\/\S+:\d+ \S*(\([^)]*\))?\S* /, '');
  return s.length > 300 ? s.slice(0, 297) + '...' : s;
}

/** The thrown message says little for a failed library load; onnxruntime's log line on stderr says which. */
function explain(error: string, stderr: string): string {
  const load = /Failed to load library (\S+) with error: ([^\n]*)/.exec(stderr);
  if (load) return oneLine(load[2]);
  return oneLine(error);
}

export interface SelectOptions {
  /** replaces the real probes (tests) */
  probe?: (device: 'cuda' | 'webgpu') => Promise<DeviceProbeResult>;
  /** replaces the real-GPU check of 'auto' (tests): true = a real GPU adapter is there */
  hasGpuDevice?: () => boolean;
  bindingDir?: string;
  timeoutMs?: number;
}

/** CUDA: the provider libraries must be installed, then a tiny session must run. */
export async function probeCuda(opts: { bindingDir?: string; timeoutMs?: number } = {}): Promise<DeviceProbeResult> {
  const t0 = Date.now();
  if (cudaLibraries(opts.bindingDir).missing.length > 0) return { ok: false, reason: CUDA_NOT_INSTALLED, ms: Date.now() - t0 };
  return probeSession('cuda', { timeoutMs: opts.timeoutMs });
}

export function probeWebgpu(opts: { timeoutMs?: number } = {}): Promise<DeviceProbeResult> {
  return probeSession('webgpu', opts);
}

/**
 * Whether the machine has a GPU device node (NVIDIA /dev/nvidia0, or a DRM render node for AMD/Intel).
 * Without one, a working WebGPU adapter is a software rasteriser (Mesa's lavapipe) that is slower than the
 * CPU execution provider, so 'auto' does not pick it.
 */
export function hasGpuDevice(): boolean {
  if (existsSync('/dev/nvidia0') || existsSync('/dev/dxg')) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

export const NO_GPU_DEVICE =
  'no GPU device (/dev/nvidia0 or /dev/dri/renderD*): a software Vulkan driver would be slower than the CPU provider; choose device webgpu to try it anyway';

const EPS: Record<Device, string[]> = { cpu: ['cpu'], cuda: ['cuda', 'cpu'], webgpu: ['webgpu', 'cpu'] };

/**
 * Picks the device: 'auto' tries CUDA, then WebGPU, then CPU; an explicit accelerator that does not work falls
 * back to CPU with fallback = true. reasons says, in one line each, why an accelerator was not used.
 */
export async function selectDevice(choice: DeviceChoice = 'auto', opts: SelectOptions = {}): Promise<DeviceSelection> {
  if (!DEVICE_CHOICES.includes(choice)) throw new Error(`device must be one of ${DEVICE_CHOICES.join(', ')}; got '${String(choice)}'`);
  const probe = opts.probe ?? ((d) => (d === 'cuda' ? probeCuda(opts) : probeWebgpu(opts)));
  const reasons: DeviceSelection['reasons'] = {};
  const order: ('cuda' | 'webgpu')[] = choice === 'auto' ? ['cuda', 'webgpu'] : choice === 'cpu' ? [] : [choice];
  for (const d of order) {
    if (d === 'webgpu' && choice === 'auto') {
      // auto takes a real GPU adapter only, never a software Vulkan driver (lavapipe, SwiftShader)
      const why = opts.hasGpuDevice ? (opts.hasGpuDevice() ? undefined : NO_GPU_DEVICE) : notRealGpu();
      if (why) {
        reasons.webgpu = why;
        continue;
      }
    }
    const r = await probe(d);
    if (r.ok) return { requested: choice, device: d, executionProviders: EPS[d], reasons, fallback: false, ...adapterOf(d, opts) };
    // a failed WebGPU start on Linux is most often a missing loader library: name it with its package
    const lib = d === 'webgpu' && !opts.probe && process.platform === 'linux' ? describeMissingLibraries(missingLoaderLibraries()) : undefined;
    reasons[d] = [r.reason ?? 'unusable', lib].filter(Boolean).join('; ');
  }
  return { requested: choice, device: 'cpu', executionProviders: EPS.cpu, reasons, fallback: choice === 'cuda' || choice === 'webgpu' };
}

function adapterOf(d: 'cuda' | 'webgpu', opts: SelectOptions): { adapter?: GpuAdapterInfo } {
  if (opts.probe) return {}; // tests with a stand-in probe: no machine to describe
  const a = d === 'webgpu' ? webgpuAdapter() : hardwareGpus()[0];
  return a ? { adapter: a } : {};
}

/** One line for logs and run.json, e.g. "device cpu (cuda: libraries not installed ...; webgpu: ...)". */
export function describeSelection(s: DeviceSelection): string {
  const why = Object.entries(s.reasons)
    .map(([d, r]) => `${d}: ${r}`)
    .join('; ');
  return `device ${s.device}${why ? ` (${why})` : ''}`;
}
