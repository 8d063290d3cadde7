// `gft gpu`: which device can train here (CPU always; CUDA or WebGPU when usable), and installing CUDA support.
import { common, UsageError, type Command } from './common';
import { execution } from './settings';
import {
  cudaLibraries,
  describeMissingLibraries,
  describeSelection,
  hardwareGpus,
  installCudaProviders,
  missingLoaderLibraries,
  ortBindingDir,
  selectDevice,
  vulkanIcds,
  type DeviceChoice,
} from '../../engine/devices';

export const gpuCommand: Command = {
  summary: 'which device can train here (CPU always; CUDA or WebGPU when usable), and installing CUDA support',
  usage: `Usage: gft gpu status [--device auto|cpu|cuda|webgpu] [--json]
       gft gpu install

  status                 probes each accelerator (in a child process) and says which device training would use
                         and, for each one not used, why
  install                downloads onnxruntime-node's CUDA provider libraries with its own install script
                         (needs internet; CUDA 12 and cuDNN 9 runtime libraries must also be installed)`,
  options: { ...common, device: { type: 'string' } },
  run: async (v, positionals, io) => {
    const sub = positionals[0];
    if (sub === 'install') {
      const r = await installCudaProviders();
      if (r.ok) io.out(r.message);
      else io.err(r.message);
      return r.ok ? 0 : 1;
    }
    if (sub !== undefined && sub !== 'status') throw new UsageError(`unknown gpu command '${sub}'; use 'gft gpu status' or 'gft gpu install'`);
    const choice: DeviceChoice = execution(v).device ?? 'auto';
    const sel = await selectDevice(choice);
    const icds = vulkanIcds();
    const missing = missingLoaderLibraries(icds);
    if (v.json) {
      io.out(
        JSON.stringify({
          ...sel,
          cudaLibraryFolder: ortBindingDir(),
          cudaLibrariesMissing: cudaLibraries().missing,
          vulkanDrivers: icds,
          loaderLibrariesMissing: missing,
          gpus: hardwareGpus(),
        }),
      );
      return 0;
    }
    io.out(describeSelection(sel));
    for (const d of ['cuda', 'webgpu'] as const) io.out(`  ${d.padEnd(7)} ${sel.device === d ? 'used' : (sel.reasons[d] ?? 'not probed')}`);
    if (sel.adapter)
      io.out(
        `  adapter ${sel.adapter.name} (${sel.adapter.vendor}; ${sel.adapter.driver})${sel.adapter.software ? ' — a software rasteriser, slower than the cpu' : ''}`,
      );
    io.out(`  vulkan  ${icds.length ? icds.map((i) => `${i.library}${i.software ? ' (software)' : ''}`).join(', ') : 'no Vulkan driver (ICD) found'}`);
    const lib = describeMissingLibraries(missing);
    if (lib) io.out(`  loader  ${lib}`);
    return 0;
  },
};
