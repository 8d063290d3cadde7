// What a job (train, baseline, evaluate...) gets from whoever runs it: a cancel signal and callbacks for
// progress, metric and log notifications. The host wires these to JSON-RPC notifications; the CLI to a
// progress bar or JSON lines; tests to arrays.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isFineTuneKind, type LogLine, type MetricPoint, type Progress, type RunStarted } from '../../protocol';
import { CHECKPOINT_LAST } from '../../shared/runLayout';
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
    const error = failureMessage(err, run);
    try {
      run.fail(error);
    } catch {
      // run.json could not be written either (a full disk): the caller still gets the one line; the folder stays
      // 'running' until a host started later finds its process gone and marks it failed
    }
    return { status: 'failed', error };
  }
}

/** Errors of a full disk (Linux, macOS: ENOSPC; over a quota: EDQUOT). */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The one line a failed job reports. A full disk says so, where, what to free and how to continue: a fine-tuning run
 * with a last checkpoint resumes from it (checkpoints are replaced atomically, so a failed write leaves the previous one).
 */
export function failureMessage(err: unknown, run: RunFolder): string {
  const message = err instanceof Error ? err.message : String(err);
  // the code, or for an error that crossed a worker thread (the trainer writes checkpoints there) only its message
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? /\b(ENOSPC|EDQUOT)\b/.exec(message)?.[1];
  if (!code || !DISK_FULL.has(code)) return message;
  const next =
    isFineTuneKind(run.manifest.kind) && existsSync(run.checkpointDir(CHECKPOINT_LAST))
      ? 'then resume the run: it continues from its last checkpoint'
      : 'then start the job again';
  const what = message.split('\n')[0];
  return `the disk holding ${dirname(run.dir)} is full (${what.startsWith(code) ? what : `${code}: ${what}`}); free some space (old runs, old searches or cross-validations, the embedding cache), ${next}`;
}
