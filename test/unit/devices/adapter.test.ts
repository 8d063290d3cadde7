// What WebGPU would run on (src/engine/devices/adapter.ts): Vulkan ICD manifests and whether they are software
// rasterisers, the loader libraries with the apt package for each missing one, and why 'auto' must not pick WebGPU
// (no GPU device, only a software driver, a missing library). Inputs are stand-ins: the checks must not depend on
// this machine's drivers. The last test reads this machine and checks that an explicit webgpu names its adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeMissingLibraries,
  missingLoaderLibraries,
  notRealGpu,
  probeWebgpu,
  selectDevice,
  vulkanIcds,
  webgpuAdapter,
  type GpuAdapterInfo,
} from '../../../src/engine/devices';

const icd = (dir: string, name: string, library: string) =>
  writeFileSync(join(dir, name), JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: library, api_version: '1.3.2' } }));
const h200: GpuAdapterInfo = { vendor: 'NVIDIA', name: 'NVIDIA H200', driver: 'nvidia 580.65.06', software: false, source: '/proc/driver/nvidia' };

test('Vulkan ICDs: read from the folders or VK_DRIVER_FILES; lavapipe and SwiftShader are software', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-icd-'));
  try {
    icd(dir, 'lvp_icd.json', 'libvulkan_lvp.so');
    icd(dir, 'nvidia_icd.json', 'libGLX_nvidia.so.0');
    icd(dir, 'vk_swiftshader_icd.json', './libvk_swiftshader.so');
    writeFileSync(join(dir, 'broken.json'), '{');
    const found = vulkanIcds({}, [dir]);
    assert.deepEqual(found.map((i) => [i.library, i.software]).sort(), [
      ['./libvk_swiftshader.so', true],
      ['libGLX_nvidia.so.0', false],
      ['libvulkan_lvp.so', true],
    ]);
    assert.deepEqual(
      vulkanIcds({ VK_DRIVER_FILES: join(dir, 'nvidia_icd.json') }, []).map((i) => i.library),
      ['libGLX_nvidia.so.0'],
    );
    if (process.platform === 'linux') {
      const a = webgpuAdapter(found, [h200])!;
      assert.equal(a.name, 'NVIDIA H200');
      assert.match(a.driver, /^nvidia 580\.65\.06; Vulkan ICD libGLX_nvidia\.so\.0 \(Vulkan 1\.3\.2\)$/);
      assert.equal(
        webgpuAdapter(
          found.filter((i) => i.software),
          [],
        )!.software,
        true,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing loader libraries are named with the apt package that installs them', () => {
  const nvidia = [{ manifest: 'x', library: 'libGLX_nvidia.so.0', software: false }];
  const none = missingLoaderLibraries(nvidia, () => true);
  assert.deepEqual(none, []);
  assert.equal(describeMissingLibraries(none), undefined);
  const m = missingLoaderLibraries(nvidia, (l) => !['libGLdispatch.so.0', 'libEGL.so.1'].includes(l));
  assert.deepEqual(m, [
    { library: 'libGLdispatch.so.0', apt: 'libglvnd0' },
    { library: 'libEGL.so.1', apt: 'libegl1' },
  ]);
  assert.equal(describeMissingLibraries(m), 'missing libGLdispatch.so.0, libEGL.so.1: install with `apt-get install libglvnd0 libegl1`');
  // without NVIDIA's driver only the Vulkan loader itself is needed
  const lvp = [{ manifest: 'y', library: 'libvulkan_lvp.so', software: true }];
  if (!existsSync('/proc/driver/nvidia/version'))
    assert.deepEqual(
      missingLoaderLibraries(lvp, () => false),
      [{ library: 'libvulkan.so.1', apt: 'libvulkan1' }],
    );
});

test('auto takes a real GPU adapter only, and says why not otherwise', { skip: process.platform !== 'linux' && 'the checks read Linux drivers' }, () => {
  const lvp = [{ manifest: 'y', library: 'libvulkan_lvp.so', software: true }];
  const nv = [{ manifest: 'x', library: 'libGLX_nvidia.so.0', software: false }];
  assert.match(notRealGpu(lvp, [], [])!, /^no GPU device .*software Vulkan driver libvulkan_lvp\.so, slower than the CPU provider: choose device webgpu/);
  assert.match(notRealGpu(lvp, [h200], [])!, /^NVIDIA H200 has no Vulkan driver \(ICD\) here, only the software libvulkan_lvp\.so: install/);
  assert.match(
    notRealGpu(nv, [h200], [{ library: 'libGLdispatch.so.0', apt: 'libglvnd0' }])!,
    /^missing libGLdispatch\.so\.0: install with `apt-get install libglvnd0`$/,
  );
  assert.equal(notRealGpu(nv, [h200], []), undefined);
});

test('an explicit webgpu names the adapter it runs on (this machine), or its one-line reason', async (t) => {
  const p = await probeWebgpu();
  if (!p.ok) return t.skip(`no WebGPU adapter here: ${p.reason}`);
  const s = await selectDevice('webgpu');
  assert.equal(s.device, 'webgpu');
  assert.ok(s.adapter && s.adapter.name && s.adapter.vendor && s.adapter.driver, JSON.stringify(s.adapter));
  t.diagnostic(`adapter: ${JSON.stringify(s.adapter)}`);
});
