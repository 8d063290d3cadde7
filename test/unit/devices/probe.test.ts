import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  selectDevice,
  describeSelection,
  cudaLibraries,
  probeCuda,
  probeSession,
  oneLine,
  installCudaProviders,
  ortBindingDir,
  ortPackageDir,
  CUDA_NOT_INSTALLED,
  CUDA_PROVIDER_LIBS,
  NO_GPU_DEVICE,
  type DeviceProbeResult,
} from '../../../src/engine/devices';

const ok: DeviceProbeResult = { ok: true, ms: 1 };
const fail = (reason: string): DeviceProbeResult => ({ ok: false, reason, ms: 1 });
const fakeProbe = (r: Record<'cuda' | 'webgpu', DeviceProbeResult>) => {
  const calls: string[] = [];
  return {
    calls,
    probe: async (d: 'cuda' | 'webgpu') => {
      calls.push(d);
      return r[d];
    },
  };
};
const oneLiner = (s: string | undefined) => assert.ok(s && s.length > 0 && !s.includes('\n') && s.length <= 300, `not one line: ${JSON.stringify(s)}`);

test('auto prefers CUDA, then WebGPU (only with a GPU device), then CPU, and says why each was not used', async () => {
  let f = fakeProbe({ cuda: ok, webgpu: ok });
  let s = await selectDevice('auto', { probe: f.probe, hasGpuDevice: () => true });
  assert.deepEqual([s.device, s.executionProviders, s.reasons, s.fallback], ['cuda', ['cuda', 'cpu'], {}, false]);
  assert.deepEqual(f.calls, ['cuda']);

  f = fakeProbe({ cuda: fail(CUDA_NOT_INSTALLED), webgpu: ok });
  s = await selectDevice('auto', { probe: f.probe, hasGpuDevice: () => true });
  assert.deepEqual([s.device, s.executionProviders, s.reasons], ['webgpu', ['webgpu', 'cpu'], { cuda: CUDA_NOT_INSTALLED }]);

  // a working WebGPU adapter without a GPU device is a software rasteriser: auto must not pick it, nor probe it
  f = fakeProbe({ cuda: fail(CUDA_NOT_INSTALLED), webgpu: ok });
  s = await selectDevice('auto', { probe: f.probe, hasGpuDevice: () => false });
  assert.deepEqual([s.device, s.reasons, s.fallback], ['cpu', { cuda: CUDA_NOT_INSTALLED, webgpu: NO_GPU_DEVICE }, false]);
  assert.deepEqual(f.calls, ['cuda']);
  assert.equal(describeSelection(s), `device cpu (cuda: ${CUDA_NOT_INSTALLED}; webgpu: ${NO_GPU_DEVICE})`);

  f = fakeProbe({ cuda: fail('a'), webgpu: fail('Failed to get a WebGPU adapter: No supported adapters') });
  s = await selectDevice('auto', { probe: f.probe, hasGpuDevice: () => true });
  assert.deepEqual([s.device, s.executionProviders, s.reasons.webgpu], ['cpu', ['cpu'], 'Failed to get a WebGPU adapter: No supported adapters']);
});

test('an explicit device is used when it works (even without a GPU device node) and falls back to CPU with its reason', async () => {
  let f = fakeProbe({ cuda: fail('x'), webgpu: ok });
  let s = await selectDevice('webgpu', { probe: f.probe, hasGpuDevice: () => false });
  assert.deepEqual([s.device, s.fallback, f.calls], ['webgpu', false, ['webgpu']]);
  f = fakeProbe({ cuda: fail(CUDA_NOT_INSTALLED), webgpu: ok });
  s = await selectDevice('cuda', { probe: f.probe });
  assert.deepEqual([s.requested, s.device, s.fallback, s.reasons, f.calls], ['cuda', 'cpu', true, { cuda: CUDA_NOT_INSTALLED }, ['cuda']]);
  f = fakeProbe({ cuda: ok, webgpu: ok });
  s = await selectDevice('cpu', { probe: f.probe });
  assert.deepEqual([s.device, s.fallback, s.reasons, f.calls], ['cpu', false, {}, []]);
  await assert.rejects(selectDevice('tpu' as never), /^Error: device must be one of auto, cpu, cuda, webgpu; got 'tpu'$/);
});

test('CUDA libraries: missing ones are named, and probeCuda says how to install them without starting a session', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-cuda-'));
  try {
    assert.deepEqual(cudaLibraries(dir), { present: [], missing: [...CUDA_PROVIDER_LIBS] });
    writeFileSync(join(dir, CUDA_PROVIDER_LIBS[0]), '');
    assert.deepEqual(cudaLibraries(dir), { present: [CUDA_PROVIDER_LIBS[0]], missing: [CUDA_PROVIDER_LIBS[1]] });
    const r = await probeCuda({ bindingDir: dir });
    assert.deepEqual([r.ok, r.reason], [false, CUDA_NOT_INSTALLED]);
    assert.ok(r.ms < 1000, `took ${r.ms} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a CUDA session without the provider libraries fails in the child with the missing library named', async (t) => {
  if (cudaLibraries().missing.length === 0) {
    // where the libraries are installed, the probe must either run or name what else is missing, on one line
    const r = await probeSession('cuda');
    if (!r.ok) oneLiner(r.reason);
    return;
  }
  const r = await probeSession('cuda');
  assert.equal(r.ok, false);
  oneLiner(r.reason);
  assert.match(r.reason!, /libonnxruntime_providers_shared\.so: cannot open shared object file/);
  t.diagnostic(`cuda probe: ${r.reason} (${r.ms} ms)`);
});

test('probe failures are one line: unknown provider, timeout', async () => {
  const r = await probeSession('no-such-ep');
  assert.equal(r.ok, false);
  oneLiner(r.reason);
  assert.match(r.reason!, /no-such-ep/);
  const slow = await probeSession('cpu', { timeoutMs: 1 });
  assert.deepEqual([slow.ok, slow.reason], [false, 'probe timed out after 0.001 s (driver hang or crash?)']);
  const fine = await probeSession('cpu');
  assert.equal(fine.ok, true, fine.reason);
});

test('oneLine strips onnxruntime source paths and C++ signatures', () => {
  const webgpu =
    '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n  more';
  assert.equal(oneLine(webgpu), 'Failed to get a WebGPU adapter: No supported adapters');
  assert.equal(oneLine('[ONNXRuntimeError] : 1 : FAIL : boom\nat x'), 'boom');
  assert.equal(oneLine('x'.repeat(400)).length, 300);
});

/** A throw-away copy of onnxruntime-node's install script, so that nothing real is overwritten. */
function scriptCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'gft-ortinst-'));
  const pkg = join(root, 'onnxruntime-node');
  mkdirSync(pkg);
  cpSync(join(ortPackageDir(), 'script'), join(pkg, 'script'), { recursive: true });
  cpSync(join(ortPackageDir(), 'package.json'), join(pkg, 'package.json'));
  return pkg;
}
const nodePath = { NODE_PATH: join(ortPackageDir(), '..') }; // the copy resolves global-agent and adm-zip from here

test('installCudaProviders without network: one-line failure naming NuGet, quickly', async () => {
  const pkg = scriptCopy();
  try {
    // a proxy on a closed port makes "no network" deterministic on any machine
    const r = await installCudaProviders({
      packageDir: pkg,
      timeoutMs: 30_000,
      env: { ...nodePath, GLOBAL_AGENT_HTTP_PROXY: 'http://127.0.0.1:9', GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9' },
    });
    assert.equal(r.ok, false);
    oneLiner(r.message);
    assert.match(
      r.message,
      /^CUDA provider install failed: cannot reach NuGet \(connect ECONNREFUSED 127\.0\.0\.1:9\); this needs internet access to api\.nuget\.org/,
    );
    assert.ok(r.ms < 30_000);
    assert.equal(existsSync(join(ortBindingDir(pkg), CUDA_PROVIDER_LIBS[1])), false);
  } finally {
    rmSync(join(pkg, '..'), { recursive: true, force: true });
  }
});

test("installCudaProviders with this machine's own network: installs into the copy or fails in one line within the time bound", async (t) => {
  const pkg = scriptCopy();
  try {
    const r = await installCudaProviders({ packageDir: pkg, timeoutMs: 20_000, env: nodePath });
    oneLiner(r.message);
    t.diagnostic(r.message);
    if (r.ok) assert.deepEqual(cudaLibraries(ortBindingDir(pkg)).missing, []);
    else assert.match(r.message, /^CUDA provider install (failed|timed out)/);
  } finally {
    rmSync(join(pkg, '..'), { recursive: true, force: true });
  }
});

test('installCudaProviders names a missing install script', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-noort-'));
  try {
    const r = await installCudaProviders({ packageDir: dir });
    assert.equal(r.ok, false);
    assert.match(r.message, /install script is missing .*reinstall onnxruntime-node$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
