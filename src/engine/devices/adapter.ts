// What WebGPU would run on, read from the machine (Linux): the Vulkan drivers (ICD manifests) the Vulkan loader
// sees, whether they are software rasterisers (Mesa's lavapipe/llvmpipe, SwiftShader), the GPU the kernel driver
// reports (NVIDIA: /proc/driver/nvidia; AMD/Intel/others: the DRM render node's PCI ids and kernel driver), and the
// loader libraries Dawn and NVIDIA's Vulkan driver need, with the Debian/Ubuntu package that provides each.
// onnxruntime-node does not expose Dawn's adapter info, so the adapter is identified from these files.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface VulkanIcd {
  /** the ICD manifest (JSON) */
  manifest: string;
  /** the driver library it names, e.g. libvulkan_lvp.so or libGLX_nvidia.so.0 */
  library: string;
  apiVersion?: string;
  /** a CPU rasteriser (lavapipe / llvmpipe / SwiftShader): works, but slower than the CPU execution provider */
  software: boolean;
}

export interface GpuAdapterInfo {
  vendor: string;
  /** device name, e.g. 'NVIDIA H200' or 'llvmpipe (lavapipe, software Vulkan)' */
  name: string;
  /** driver, e.g. 'nvidia 580.65.06' or 'libvulkan_lvp.so (Vulkan 1.4.305)' */
  driver: string;
  software: boolean;
  /** where this was read from */
  source: string;
}

const SOFTWARE = /lvp|lavapipe|llvmpipe|swiftshader/i;
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/local/etc/vulkan/icd.d'];

/** The Vulkan ICD manifests the loader would read: VK_DRIVER_FILES / VK_ICD_FILENAMES when set, else the usual folders. */
export function vulkanIcds(env: NodeJS.ProcessEnv = process.env, dirs: readonly string[] = ICD_DIRS): VulkanIcd[] {
  const listed = (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES || '').split(':').filter(Boolean);
  const files = listed.length
    ? listed.flatMap((f) => {
        try {
          return readdirSync(f)
            .filter((x) => x.endsWith('.json'))
            .map((x) => join(f, x));
        } catch {
          return [f];
        }
      })
    : dirs.flatMap((d) => {
        try {
          return readdirSync(d)
            .filter((x) => x.endsWith('.json'))
            .map((x) => join(d, x));
        } catch {
          return [];
        }
      });
  const out: VulkanIcd[] = [];
  for (const manifest of files) {
    try {
      const j = JSON.parse(readFileSync(manifest, 'utf8')) as { ICD?: { library_path?: string; api_version?: string } };
      const library = j.ICD?.library_path;
      if (!library) continue;
      out.push({ manifest, library, apiVersion: j.ICD?.api_version, software: SOFTWARE.test(library) || SOFTWARE.test(basename(manifest)) });
    } catch {
      /* unreadable manifest: the loader skips it too */
    }
  }
  return out;
}

/** The loader libraries WebGPU (Dawn -> Vulkan) needs on Linux, and for NVIDIA's Vulkan driver its GL dispatch set. */
export const LOADER_PACKAGES: Readonly<Record<string, string>> = {
  'libvulkan.so.1': 'libvulkan1',
  'libGLdispatch.so.0': 'libglvnd0',
  'libEGL.so.1': 'libegl1',
  'libGLX.so.0': 'libglx0',
  'libOpenGL.so.0': 'libopengl0',
  'libGL.so.1': 'libgl1',
  'libGLESv2.so.2': 'libgles2',
};

let ldCache: string | undefined;
function ldconfigListing(): string {
  if (ldCache === undefined) {
    const r = spawnSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' });
    ldCache = r.status === 0 ? r.stdout : '';
  }
  return ldCache;
}

/** Whether the dynamic loader can find `lib` (LD_LIBRARY_PATH, the ldconfig cache, the usual folders). */
export function hasLibrary(lib: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/lib/x86_64-linux-gnu',
    '/usr/lib/x86_64-linux-gnu',
    '/lib/aarch64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib64',
    '/lib',
  ];
  if (dirs.some((d) => existsSync(join(d, lib)))) return true;
  return ldconfigListing()
    .split('\n')
    .some((l) => l.trim().startsWith(`${lib} `));
}

/**
 * Loader libraries that are missing, each with the apt package to install. libvulkan.so.1 is always needed; the GL
 * dispatch set only with NVIDIA's Vulkan driver (its ICD, libGLX_nvidia.so.0, loads libGLdispatch.so.0).
 */
export function missingLoaderLibraries(
  icds: readonly VulkanIcd[] = vulkanIcds(),
  has: (lib: string) => boolean = (l) => hasLibrary(l),
): { library: string; apt: string }[] {
  const nvidia = icds.some((i) => /nvidia/i.test(i.library)) || existsSync('/proc/driver/nvidia/version');
  const needed = nvidia ? Object.keys(LOADER_PACKAGES) : ['libvulkan.so.1'];
  return needed.filter((l) => !has(l)).map((library) => ({ library, apt: LOADER_PACKAGES[library] }));
}

/** One line: the missing libraries and the apt-get command that installs them (undefined when none is missing). */
export function describeMissingLibraries(missing: readonly { library: string; apt: string }[]): string | undefined {
  if (missing.length === 0) return undefined;
  return `missing ${missing.map((m) => m.library).join(', ')}: install with \`apt-get install ${[...new Set(missing.map((m) => m.apt))].join(' ')}\``;
}

const PCI_VENDORS: Record<string, string> = {
  '0x10de': 'NVIDIA',
  '0x1002': 'AMD',
  '0x8086': 'Intel',
  '0x1af4': 'virtio',
  '0x15ad': 'VMware',
  '0x1414': 'Microsoft',
};

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Hardware GPUs the kernel drivers report (NVIDIA's /proc files, then DRM render nodes). */
export function hardwareGpus(): GpuAdapterInfo[] {
  const out: GpuAdapterInfo[] = [];
  const nvVersion = /Kernel Module(?: for [^ ]+)?\s+([0-9.]+)/.exec(read('/proc/driver/nvidia/version') ?? '')?.[1];
  try {
    for (const id of readdirSync('/proc/driver/nvidia/gpus')) {
      const model = /Model:\s*(.+)/.exec(read(join('/proc/driver/nvidia/gpus', id, 'information')) ?? '')?.[1]?.trim();
      out.push({
        vendor: 'NVIDIA',
        name: model ?? `NVIDIA GPU ${id}`,
        driver: `nvidia ${nvVersion ?? '(version unknown)'}`,
        software: false,
        source: '/proc/driver/nvidia',
      });
    }
  } catch {
    /* no NVIDIA driver */
  }
  if (out.length) return out;
  try {
    for (const node of readdirSync('/sys/class/drm').filter((f) => f.startsWith('renderD'))) {
      const dev = join('/sys/class/drm', node, 'device');
      const vendorId = read(join(dev, 'vendor'))?.trim() ?? '';
      const deviceId = read(join(dev, 'device'))?.trim() ?? '';
      const driver = /DRIVER=(\S+)/.exec(read(join(dev, 'uevent')) ?? '')?.[1] ?? 'unknown';
      out.push({
        vendor: PCI_VENDORS[vendorId] ?? (vendorId || 'unknown'),
        name: `${PCI_VENDORS[vendorId] ?? 'GPU'} ${deviceId || node}`,
        driver,
        software: false,
        source: `/sys/class/drm/${node}`,
      });
    }
  } catch {
    /* no DRM */
  }
  return out;
}

/**
 * The adapter WebGPU runs on, as far as the machine tells: a hardware GPU with a hardware Vulkan driver, else the
 * software Vulkan driver (lavapipe), else undefined. Dawn prefers hardware adapters to CPU ones.
 */
export function webgpuAdapter(icds: readonly VulkanIcd[] = vulkanIcds(), gpus: readonly GpuAdapterInfo[] = hardwareGpus()): GpuAdapterInfo | undefined {
  if (process.platform !== 'linux') return undefined;
  const hw = icds.filter((i) => !i.software);
  if (gpus.length && hw.length) {
    const nv = gpus[0].vendor === 'NVIDIA' ? hw.find((i) => /nvidia/i.test(i.library)) : undefined;
    const icd = nv ?? hw[0];
    return { ...gpus[0], driver: `${gpus[0].driver}; Vulkan ICD ${icd.library}${icd.apiVersion ? ` (Vulkan ${icd.apiVersion})` : ''}` };
  }
  const sw = icds.find((i) => i.software);
  if (sw)
    return {
      vendor: 'Mesa',
      name: /swiftshader/i.test(sw.library) ? 'SwiftShader (software Vulkan)' : 'llvmpipe (lavapipe, software Vulkan)',
      driver: `${sw.library}${sw.apiVersion ? ` (Vulkan ${sw.apiVersion})` : ''}`,
      software: true,
      source: sw.manifest,
    };
  return undefined;
}

/**
 * Why 'auto' must not pick WebGPU here (undefined = a real GPU adapter is there): no GPU device, no hardware Vulkan
 * driver for it (only a software one), or a missing loader library.
 */
export function notRealGpu(
  icds: readonly VulkanIcd[] = vulkanIcds(),
  gpus: readonly GpuAdapterInfo[] = hardwareGpus(),
  missing = missingLoaderLibraries(icds),
): string | undefined {
  if (process.platform === 'darwin' || process.platform === 'win32') return undefined; // Metal / D3D12 adapters
  if (gpus.length === 0) {
    const sw = icds.find((i) => i.software);
    return `no GPU device (/dev/nvidia*, /dev/dri/renderD*)${sw ? `; the only WebGPU adapter would be the software Vulkan driver ${sw.library}, slower than the CPU provider` : ''}: choose device webgpu to use it anyway`;
  }
  const lib = describeMissingLibraries(missing);
  if (lib) return lib;
  const nvidia = gpus[0].vendor === 'NVIDIA';
  if (!icds.some((i) => !i.software && (!nvidia || /nvidia/i.test(i.library))))
    return `${gpus[0].name} has no Vulkan driver (ICD) here${icds.length ? `, only the software ${icds.map((i) => i.library).join(', ')}` : ''}: install the GPU's Vulkan driver, or set VK_DRIVER_FILES to its ICD json`;
  return undefined;
}
