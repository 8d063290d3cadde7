// Where training runs: the device and the number of CPU threads, from the request, else the extension's settings
// (GFT_DEVICE / GFT_THREADS in the host's environment), else 'auto' and onnxruntime's default. The device goes
// through the engine's selection (src/engine/devices): an accelerator that cannot be used is named with a one-line
// reason, and training falls back to the CPU as the engine does.
import { availableParallelism } from 'node:os';
import { DEFAULT_DEVICE, DEFAULT_THREADS, invalidSetting, isValid, SettingError, settingRule } from '../../shared/settings';
import { describeSelection, selectDevice, type DeviceChoice, type DeviceSelection, type SelectOptions } from '../../engine/devices';
import { deviceName } from '../info';

export interface Execution {
  requested: DeviceChoice;
  device: DeviceSelection['device'];
  /** onnxruntime execution providers, in order. */
  providers: string[];
  /** CPU (intra-op) threads used by onnxruntime. */
  threads: number;
  /** Where the thread count came from: set explicitly, or onnxruntime's one per core. */
  threadsFrom: 'setting' | 'default';
  reasons: DeviceSelection['reasons'];
  fallback: boolean;
  /** the GPU adapter (vendor, name, driver) when the device is not the CPU, as the machine reports it */
  adapter?: DeviceSelection['adapter'];
  /** One line for run.json's device, logs and the form, e.g. "cpu, 2 threads (cuda: ...) · cpu: 2 x AMD EPYC". */
  summary: string;
}

export interface ExecutionRequest {
  device?: string;
  threads?: number;
}

/** The request's device/threads, else GFT_DEVICE / GFT_THREADS, checked: a bad value is a one-line error. */
export function executionRequest(p: ExecutionRequest, env: NodeJS.ProcessEnv = process.env): { device: DeviceChoice; threads: number } {
  const device = p.device ?? (env.GFT_DEVICE || undefined) ?? DEFAULT_DEVICE;
  if (!isValid('device', device)) {
    if (p.device !== undefined) throw invalidSetting('device', device);
    throw new Error(`GFT_DEVICE (the guidedFinetune.device setting) must be ${settingRule('device')} (got '${device}')`);
  }
  const rawThreads = p.threads ?? (env.GFT_THREADS ? Number(env.GFT_THREADS) : DEFAULT_THREADS);
  if (!isValid('threads', rawThreads)) {
    if (p.threads !== undefined) throw invalidSetting('threads', p.threads);
    throw new Error(`GFT_THREADS (the guidedFinetune.threads setting) must be ${settingRule('threads')}, 0 = one per core (got '${env.GFT_THREADS}')`);
  }
  return { device: device as DeviceChoice, threads: rawThreads };
}

export async function resolveExecution(p: ExecutionRequest, opts: { env?: NodeJS.ProcessEnv; select?: SelectOptions } = {}): Promise<Execution> {
  const req = executionRequest(p, opts.env);
  const sel = await selectDevice(req.device, opts.select);
  const threads = req.threads > 0 ? req.threads : availableParallelism();
  const why = describeSelection(sel).slice(`device ${sel.device}`.length).trim();
  const on = sel.adapter ? ` on ${sel.adapter.name} (${sel.adapter.vendor}, ${sel.adapter.driver})` : '';
  const summary = `${sel.device}${on}, ${threads} thread${threads === 1 ? '' : 's'}${why ? ` ${why}` : ''} · ${deviceName()}`;
  return {
    requested: req.device,
    device: sel.device,
    providers: sel.executionProviders,
    threads,
    threadsFrom: req.threads > 0 ? 'setting' : 'default',
    reasons: sel.reasons,
    fallback: sel.fallback,
    summary,
    ...(sel.adapter ? { adapter: sel.adapter } : {}),
  };
}

/**
 * Settings the chosen device cannot run, refused before a run starts (one line naming the fix): the device trainer
 * (engine/devices/deviceTrainer.ts) runs one micro-batch per optimizer step, so gradient accumulation needs the CPU.
 */
export function checkExecutionFits(e: Pick<Execution, 'device'>, c: { gradAccumSteps: number }): void {
  if (e.device !== 'cpu' && c.gradAccumSteps > 1) {
    throw new SettingError(
      ['gradAccumSteps', 'batchSize', 'device'],
      (n) =>
        `gradient accumulation (${c.gradAccumSteps} steps) runs only on the cpu; the ${e.device} trainer takes one batch per step: set ${n('gradAccumSteps')} to 1 (with a larger ${n('batchSize')} if memory allows) or the ${n('device')} to cpu`,
    );
  }
}

/** A warning line when an explicitly requested accelerator could not be used. */
export function fallbackWarning(e: Execution): string | undefined {
  if (!e.fallback) return undefined;
  const reason = e.reasons[e.requested as 'cuda' | 'webgpu'] ?? 'unusable';
  return `device ${e.requested} was requested but cannot be used (${reason}); training on the cpu instead`;
}
