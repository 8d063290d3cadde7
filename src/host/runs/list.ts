// Listing and reading run folders; marking runs whose host died as failed.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runName, type RunDetail, type RunManifest, type RunSummary } from '../../protocol';
import { readRunManifest, runFile } from '../../shared/node/runFiles';
import { RunFolder } from './runFolder';

export function summarize(dir: string, m: RunManifest): RunSummary {
  return {
    id: m.id,
    name: runName(m),
    dir,
    kind: m.kind,
    status: m.status,
    startedAt: m.startedAt,
    durationMs: m.durationMs,
    modelId: m.model?.id,
    datasetId: m.dataset?.id,
    testAccuracy: m.test?.accuracy,
  };
}

/** Runs under root, newest first. Folders without a readable run.json are skipped. */
export function listRuns(root: string): RunSummary[] {
  if (!existsSync(root)) return [];
  const out: RunSummary[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    const path = runFile(dir, 'manifest');
    if (!existsSync(path)) continue;
    try {
      out.push(summarize(dir, readRunManifest<RunManifest>(path)));
    } catch {
      /* a foreign or damaged folder is not a run */
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export function readRun(dir: string): RunDetail {
  const run = RunFolder.open(dir);
  return { manifest: run.manifest, metrics: run.readMetrics(), predictions: run.readPredictions() };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Marks runs still 'running' whose host process is gone as failed, with the log tail, and returns their ids.
 * Called when a host starts and by the client when its host died.
 */
export function markOrphanedRuns(root: string, isAlive: (pid: number) => boolean = pidAlive): string[] {
  const marked: string[] = [];
  for (const s of listRuns(root)) {
    if (s.status !== 'running') continue;
    const run = RunFolder.open(s.dir);
    if (run.manifest.hostPid === process.pid || isAlive(run.manifest.hostPid)) continue;
    run.finish('failed', { error: `the training host (pid ${run.manifest.hostPid}) exited while the run was in progress` });
    marked.push(s.id);
  }
  return marked;
}
