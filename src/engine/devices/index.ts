// Devices: which execution provider trains (probe.ts), installing the CUDA provider (install.ts), and the
// device-resident training step (stepGraph.ts, loop.ts, resident.ts). See README.md in this folder.
export {
  selectDevice,
  describeSelection,
  probeCuda,
  probeWebgpu,
  probeSession,
  cudaLibraries,
  hasGpuDevice,
  oneLine,
  ortBindingDir,
  ortPackageDir,
  CUDA_PROVIDER_LIBS,
  CUDA_NOT_INSTALLED,
  NO_GPU_DEVICE,
  DEVICE_CHOICES,
  type Device,
  type DeviceChoice,
  type DeviceSelection,
  type DeviceProbeResult,
  type SelectOptions,
} from './probe';
export {
  vulkanIcds,
  hardwareGpus,
  webgpuAdapter,
  notRealGpu,
  missingLoaderLibraries,
  describeMissingLibraries,
  hasLibrary,
  LOADER_PACKAGES,
  type VulkanIcd,
  type GpuAdapterInfo,
} from './adapter';
export { installCudaProviders, type InstallResult, type InstallOptions } from './install';
export { buildOptimizerStep, OPT_INPUTS, optimizerScalars, type OptimizerStepGraph, type OptimizerStepOptions, type StateSlot } from './stepGraph';
export { wrapInLoop, bakeInitializers, type LoopSpec } from './loop';
export { ResidentTrainer, type ResidentOptions, type ResidentStep } from './resident';
export { DeviceTrainer, createTrainerFor, isDeviceProviders, residentOptionsFor } from './deviceTrainer';
