// What a job (train, baseline, evaluate...) gets from whoever runs it: a cancel signal and callbacks for
// progress, metric and log notifications. The host wires these to JSON-RPC notifications; the CLI to a
// progress bar or JSON lines; tests to arrays.
import type { LogLine, MetricPoint, Progress, RunStarted } from '../../protocol';
import type { RunFolder } from '../runs';
import { deviceName } from '../info';

export interface JobEvents {
  started?(e: RunStarted): void;
  progress?(p: Progress): void;
  metric?(m: MetricPoint): void;
  log?(l: LogLine): void;
}

export interface JobContext extends JobEvents {
  signal?: AbortSignal;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(ctx: JobContext): void {
  if (ctx.signal?.aborted) throw new CancelledError();
}

/** run.json's `warnings` field: the data's warnings, absent when there are none. */
export function warningsField(warnings: readonly string[]): { warnings?: string[] } {
  return warnings.length ? { warnings: [...warnings] } : {};
}

/**
 * Forwards a run folder's metrics and log lines to the job's listeners (lines starting "warning: " at level
 * 'warn'), announces the run, and logs the data warnings recorded in its run.json.
 */
export function attachRun(run: RunFolder, ctx: JobContext): (p: Omit<Progress, 'runId' | 'device'>) => void {
  // The device the run recorded (fine-tuning: the selected device and threads), else this machine's CPU.
  const device = run.manifest.device || deviceName();
  run.onMetric((record) => ctx.metric?.({ runId: run.id, record }));
  run.onLog((message) => ctx.log?.({ level: message.startsWith('warning: ') ? 'warn' : 'info', message, runId: run.id }));
  ctx.started?.({ runId: run.id, runDir: run.dir, kind: run.manifest.kind });
  for (const w of run.manifest.warnings ?? []) run.log(`warning: ${w}`);
  return (p) => ctx.progress?.({ ...p, runId: run.id, device });
}

/** Runs the body of a job in a run folder and records how it ended: completed, cancelled or failed. */
export async function runJob<T>(run: RunFolder, body: () => Promise<T>): Promise<{ status: 'completed' | 'cancelled' | 'failed'; value?: T; error?: string }> {
  try {
    const value = await body();
    if (run.manifest.status === 'running') run.finish('completed');
    return { status: 'completed', value };
  } catch (err) {
    if (err instanceof CancelledError) {
      run.log('cancelled');
      run.finish('cancelled');
      return { status: 'cancelled' };
    }
    run.fail(err);
    return { status: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}
