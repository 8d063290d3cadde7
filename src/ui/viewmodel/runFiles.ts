// Reads run folders straight from disk (run.json, metrics.jsonl, predictions.jsonl, checkpoints/), the layout the
// host writes (see src/protocol/runs.ts). No vscode import: unit-tested in test/unit/ui.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecord, PredictionRecord, RunManifest } from '../../protocol';
import { checkpointStep, RUN_FILES } from '../../shared/runLayout';
import { migrateManifest } from '../../shared/settings';
import { ensembleMemberDir, parseJsonl, readJsonl, runFile, writeJsonAtomic } from '../../shared/node/runFiles';

export { parseJsonl, RUN_FILES };

export interface RunListing {
  dir: string;
  manifest: RunManifest;
}

export interface RunSnapshot extends RunListing {
  metrics: MetricRecord[];
  predictions: PredictionRecord[];
  checkpoints: string[];
}

export function readManifest(dir: string): RunManifest | undefined {
  const path = join(dir, RUN_FILES.manifest);
  if (!existsSync(path)) return undefined;
  try {
    const m = migrateManifest(JSON.parse(readFileSync(path, 'utf8')) as RunManifest);
    return typeof m?.id === 'string' && typeof m.kind === 'string' ? m : undefined;
  } catch {
    return undefined; // being replaced right now, or not ours
  }
}

/**
 * Gives a run a new name in its run.json, atomically (a temporary file renamed over it), keeping every other field.
 * A host still writing the run keeps the name (src/host/runs/runFolder.ts reads it back before each update).
 */
export function renameRun(dir: string, name: string): void {
  const m = readManifest(dir);
  if (!m) throw new Error(`${dir} is not a run folder (no readable run.json); nothing renamed.`);
  writeJsonAtomic(runFile(dir, 'manifest'), { ...m, name });
}

/** Run folders directly under root (folders with a readable run.json), newest first. */
export function listRuns(root: string): RunListing[] {
  if (!existsSync(root)) return [];
  const out: RunListing[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    try {
      if (!statSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    const manifest = readManifest(dir);
    if (manifest) out.push({ dir, manifest });
  }
  return out.sort((a, b) => (b.manifest.startedAt ?? '').localeCompare(a.manifest.startedAt ?? '') || a.dir.localeCompare(b.dir));
}

/** Checkpoint folder names (best, last, step-N ...) without the temporary ones of an interrupted save. */
export function listCheckpoints(dir: string): string[] {
  const cp = join(dir, RUN_FILES.checkpoints);
  if (!existsSync(cp)) return [];
  const stepNo = (n: string) => checkpointStep(n) ?? -1;
  return readdirSync(cp)
    .filter((n) => !n.startsWith('.'))
    .sort((a, b) => stepNo(a) - stepNo(b) || a.localeCompare(b));
}

export function readPredictions(dir: string): PredictionRecord[] {
  return readJsonl<PredictionRecord>(join(dir, RUN_FILES.predictions));
}

export function readRun(dir: string): RunSnapshot | undefined {
  const manifest = readManifest(dir);
  if (!manifest) return undefined;
  return {
    dir,
    manifest,
    metrics: readJsonl<MetricRecord>(join(dir, RUN_FILES.metrics)),
    predictions: readJsonl<PredictionRecord>(join(dir, RUN_FILES.predictions)),
    checkpoints: listCheckpoints(dir),
  };
}

/**
 * Follows a growing JSONL file: each read() returns only the complete lines appended since the last call, so a
 * live chart costs O(new lines) per update. Starts over when the file shrank (replaced).
 */
export class JsonlTail<T> {
  private offset = 0;
  private partial = '';

  constructor(readonly path: string) {}

  read(): { records: T[]; reset: boolean } {
    if (!existsSync(this.path)) {
      const reset = this.offset > 0;
      this.offset = 0;
      this.partial = '';
      return { records: [], reset };
    }
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      let reset = false;
      if (size < this.offset) {
        this.offset = 0;
        this.partial = '';
        reset = true;
      }
      const length = size - this.offset;
      if (length === 0) return { records: [], reset };
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const cut = text.lastIndexOf('\n');
      this.partial = cut < 0 ? text : text.slice(cut + 1);
      const complete = cut < 0 ? '' : text.slice(0, cut);
      const records: T[] = [];
      for (const line of complete.split('\n')) {
        if (!line.trim()) continue;
        try {
          records.push(JSON.parse(line) as T);
        } catch {
          // a damaged line in the middle: skip it rather than stop following the run
        }
      }
      return { records, reset };
    } finally {
      closeSync(fd);
    }
  }
}

/** What the tree shows of an ensemble's member (src/host/jobs/predict.ts EnsembleMember, read from run.json). */
export interface EnsembleMemberView {
  id: string;
  name: string;
  dir: string;
  relDir?: string;
  weight: number;
  test?: { accuracy: number };
}

/** The members an ensemble run records, with their folders resolved (relative to the ensemble first). */
export function ensembleMembers(runDir: string, m: RunManifest): EnsembleMemberView[] {
  if (m.kind !== 'ensemble' || !Array.isArray(m.config.members)) return [];
  return (m.config.members as EnsembleMemberView[]).map((x) => ({ ...x, dir: ensembleMemberDir(runDir, x) }));
}
