// When the host dies mid-run (crash, out of memory, kill -9), nobody is left to close the run folder:
// the client marks the runs it saw start as failed, with the last lines of log.txt, in run.json.
// (The next host also marks any run whose host pid is gone; this makes it visible at once.)
import { existsSync } from 'node:fs';
import type { RunManifest } from '../protocol';
import { readRunManifest, runFile, tailLines, writeJsonAtomic } from '../shared/node/runFiles';
import { LOG_TAIL_LINES } from '../shared/runLayout';

export function markRunFailed(runDir: string, error: string): boolean {
  const path = runFile(runDir, 'manifest');
  if (!existsSync(path)) return false;
  const m = readRunManifest<RunManifest>(path);
  if (m.status !== 'running') return false;
  const endedAt = new Date();
  const next: RunManifest = {
    ...m,
    status: 'failed',
    error,
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - Date.parse(m.startedAt),
    logTail: tailLines(runFile(runDir, 'log'), LOG_TAIL_LINES),
  };
  writeJsonAtomic(path, next);
  return true;
}
