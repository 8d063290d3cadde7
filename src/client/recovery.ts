// When the host dies mid-run (crash, out of memory, kill -9), nobody is left to close the run folder:
// the client marks the runs it saw start as failed, with the last lines of log.txt, in run.json.
// (The next host also marks any run whose host pid is gone; this makes it visible at once.)
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunManifest } from '../protocol';

const LOG_TAIL_LINES = 40;

export function markRunFailed(runDir: string, error: string): boolean {
  const path = join(runDir, 'run.json');
  if (!existsSync(path)) return false;
  const m = JSON.parse(readFileSync(path, 'utf8')) as RunManifest;
  if (m.status !== 'running') return false;
  const logPath = join(runDir, 'log.txt');
  const lines = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').filter((l) => l !== '') : [];
  const endedAt = new Date();
  const next: RunManifest = {
    ...m,
    status: 'failed',
    error,
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - Date.parse(m.startedAt),
    logTail: lines.slice(-LOG_TAIL_LINES),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(next, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return true;
}
