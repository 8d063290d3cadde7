// One run folder: run.json (manifest, atomically replaced), metrics.jsonl, predictions.jsonl, log.txt and
// checkpoints/ (best, last; older step checkpoints pruned to keep-N).
import { existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { defaultRunName, uniqueRunName, type MetricRecord, type PredictionRecord, type RunKind, type RunManifest, type RunStatus } from '../../protocol';
import { checkpointDir, LineAppender, readJson, readJsonl, readRunManifest, tailLines, writeJsonAtomic } from '../../shared/node/runFiles';
import { checkpointStep, LOG_TAIL_LINES, RUN_FILES } from '../../shared/runLayout';

export function newRunId(kind: RunKind, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .replace('T', '-');
  return `${stamp}-${kind}-${randomBytes(3).toString('hex')}`;
}

/** The names of the runs already under root (run.json's name), to keep a new run's default name distinct. */
function siblingNames(root: string): string[] {
  if (!existsSync(root)) return [];
  const names: string[] = [];
  for (const entry of readdirSync(root)) {
    try {
      const n = readJson<RunManifest>(join(root, entry, RUN_FILES.manifest)).name;
      if (typeof n === 'string') names.push(n);
    } catch {
      /* not a run folder */
    }
  }
  return names;
}

export type NewRun = Omit<RunManifest, 'id' | 'status' | 'startedAt' | 'hostPid'> & { id?: string };

export class RunFolder {
  private metricsOut: LineAppender | null = null;
  private manifestCache: RunManifest;
  private readonly listeners: ((r: MetricRecord) => void)[] = [];
  private readonly logListeners: ((line: string) => void)[] = [];

  private constructor(
    readonly dir: string,
    manifest: RunManifest,
  ) {
    this.manifestCache = manifest;
  }

  /** Creates <root>/<id>/ with run.json in status 'running' (and split.json when the run's data was split). */
  static create(root: string, run: NewRun, splitManifest?: unknown): RunFolder {
    const id = run.id ?? newRunId(run.kind);
    const dir = join(root, id);
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`run folder ${dir} already exists and is not empty; choose another --out folder`);
    mkdirSync(join(dir, RUN_FILES.checkpoints), { recursive: true });
    const name = uniqueRunName(run.name?.trim() || defaultRunName(run), siblingNames(root));
    const manifest: RunManifest = { ...run, id, name, status: 'running', startedAt: new Date().toISOString(), hostPid: process.pid };
    if (splitManifest !== undefined) writeJsonAtomic(join(dir, RUN_FILES.split), splitManifest);
    writeJsonAtomic(join(dir, RUN_FILES.manifest), manifest);
    return new RunFolder(dir, manifest);
  }

  /** Opens an existing run folder (e.g. to resume it, evaluate it, or add predictions). */
  static open(dir: string): RunFolder {
    const path = join(dir, RUN_FILES.manifest);
    if (!existsSync(path)) throw new Error(`${dir} is not a run folder (no ${RUN_FILES.manifest}); pass the folder of a run made by gft`);
    return new RunFolder(dir, readRunManifest<RunManifest>(path));
  }

  get manifest(): RunManifest {
    return this.manifestCache;
  }
  get id(): string {
    return this.manifestCache.id;
  }

  update(patch: Partial<RunManifest>): void {
    // The name may have been changed on disk meanwhile ("Rename Run" in the extension): keep the person's name.
    if (patch.name === undefined) {
      try {
        const onDisk = readJson<RunManifest>(join(this.dir, RUN_FILES.manifest)).name;
        if (typeof onDisk === 'string' && onDisk.trim()) this.manifestCache = { ...this.manifestCache, name: onDisk };
      } catch {
        /* unreadable or gone: the cached manifest is written again */
      }
    }
    this.manifestCache = { ...this.manifestCache, ...patch };
    writeJsonAtomic(join(this.dir, RUN_FILES.manifest), this.manifestCache);
  }

  onMetric(f: (r: MetricRecord) => void): void {
    this.listeners.push(f);
  }
  onLog(f: (line: string) => void): void {
    this.logListeners.push(f);
  }

  metric(record: MetricRecord): void {
    this.metricsOut ??= new LineAppender(join(this.dir, RUN_FILES.metrics));
    this.metricsOut.appendJson(record);
    for (const f of this.listeners) f(record);
  }

  log(message: string): void {
    const line = `${new Date().toISOString()} ${message}`;
    appendFileSync(join(this.dir, RUN_FILES.log), line + '\n');
    for (const f of this.logListeners) f(message);
  }

  /** Replaces predictions.jsonl (written once per final evaluation). */
  writePredictions(preds: PredictionRecord[]): void {
    const tmp = join(this.dir, `.${RUN_FILES.predictions}.tmp`);
    rmSync(tmp, { force: true });
    const out = new LineAppender(tmp);
    for (const p of preds) out.appendJson(p);
    out.close();
    renameSync(tmp, join(this.dir, RUN_FILES.predictions));
  }

  readPredictions(): PredictionRecord[] {
    return readJsonl<PredictionRecord>(join(this.dir, RUN_FILES.predictions));
  }
  readMetrics(): MetricRecord[] {
    return readJsonl<MetricRecord>(join(this.dir, RUN_FILES.metrics));
  }

  checkpointDir(name: string): string {
    return checkpointDir(this.dir, name);
  }

  /**
   * Saves a checkpoint through `write(tmpDir)` and then swaps it in by rename, so a crash never leaves a
   * half-written checkpoint under its final name. Step checkpoints ('step-<n>') beyond `keep` are pruned.
   */
  async saveCheckpoint(name: string, write: (dir: string) => Promise<void> | void, keep = 2): Promise<string> {
    const final = this.checkpointDir(name);
    const tmp = this.checkpointDir(`.${name}.tmp`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await write(tmp);
    const old = this.checkpointDir(`.${name}.old`);
    rmSync(old, { recursive: true, force: true });
    if (existsSync(final)) renameSync(final, old);
    renameSync(tmp, final);
    rmSync(old, { recursive: true, force: true });
    if (checkpointStep(name) !== undefined) this.pruneStepCheckpoints(keep);
    return final;
  }

  stepCheckpoints(): string[] {
    const dir = join(this.dir, RUN_FILES.checkpoints);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => checkpointStep(n) !== undefined)
      .sort((a, b) => checkpointStep(a)! - checkpointStep(b)!);
  }

  private pruneStepCheckpoints(keep: number): void {
    const steps = this.stepCheckpoints();
    for (const n of steps.slice(0, Math.max(0, steps.length - keep))) rmSync(this.checkpointDir(n), { recursive: true, force: true });
  }

  logTail(n = LOG_TAIL_LINES): string[] {
    return tailLines(join(this.dir, RUN_FILES.log), n);
  }

  finish(status: Exclude<RunStatus, 'running'>, patch: Partial<RunManifest> = {}): void {
    this.metricsOut?.close();
    this.metricsOut = null;
    const endedAt = new Date();
    this.update({
      ...patch,
      status,
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - Date.parse(this.manifestCache.startedAt),
      ...(status === 'failed' ? { logTail: this.logTail() } : {}),
    });
  }

  fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log(`error: ${message}`);
    this.finish('failed', { error: message });
  }
}

/**
 * Makes `dest` a second name of the file `src` (a hard link) and says whether it could; false where the file system
 * has no hard links or `src` is missing, and the caller writes the file itself. Safe with checkpoints because they are
 * never written in place: saveCheckpoint writes a new folder and renames it over the old one, so a file shared by two
 * checkpoints keeps its content when either is replaced.
 */
export function shareFile(src: string, dest: string): boolean {
  try {
    linkSync(src, dest);
    return true;
  } catch {
    return false;
  }
}
