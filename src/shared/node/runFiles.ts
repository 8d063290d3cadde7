// Crash-safe file primitives for run folders, shared by the host (writer), the client (marks crashed runs failed)
// and the extension (renames runs, saves notes, reads runs): JSON written atomically (temp file, fsync, rename,
// fsync of the folder), JSONL appended one whole line per write, and a JSONL reader that ignores a torn last line
// (the writer may have been killed in the middle of it).
// Hand-written rather than the npm package write-file-atomic: these twenty lines are all the callers need (no
// ownership, mode or queueing options; synchronous, as every caller is), plus the fsync of the folder after the
// rename that makes the new name durable; one runtime dependency more for them would not pay.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CHECKPOINT_BEST, RUN_FILES } from '../runLayout';
import { migrateManifest } from '../settings';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw err;
  }
  syncDir(dirname(path));
}

function syncDir(dir: string): void {
  // Makes the rename durable; not supported on every platform (Windows), where it is skipped.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** A run folder's run.json, its config written with today's setting names (`migrateManifest`). */
export function readRunManifest<T>(path: string): T {
  return migrateManifest(readJson<T>(path));
}

export function readJson<T>(path: string): T {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Appends to a file one complete line per write(2), so a crash can tear at most the last line.
 * Each line reaches the OS before append() returns (survives the process being killed);
 * fsync on close.
 */
export class LineAppender {
  private fd: number | null;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  append(line: string): void {
    if (this.fd === null) throw new Error(`${this.path} is already closed`);
    writeSync(this.fd, line.endsWith('\n') ? line : line + '\n');
  }
  appendJson(value: unknown): void {
    this.append(JSON.stringify(value));
  }
  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/**
 * Parses JSONL text. The writer appends whole lines, but a reader can catch a line half written (or a crash can
 * tear it): an unparsable LAST line is ignored; a bad line elsewhere means the file is damaged.
 */
export function parseJsonl<T>(text: string, where = 'JSONL'): T[] {
  const lines = text.split('\n');
  const out: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      if (lines.slice(i + 1).every((l) => l.trim() === '')) break;
      throw new Error(`${where}:${i + 1} is not valid JSON; the file is damaged`);
    }
  }
  return out;
}

/** Parses a JSONL file (see parseJsonl); a missing file has no records. */
export function readJsonl<T>(path: string): T[] {
  return existsSync(path) ? parseJsonl<T>(readFileSync(path, 'utf8'), path) : [];
}

/** The last n lines of a text file (for the log tail of a failed run). */
export function tailLines(path: string, n: number): string[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n);
}

/** A file of a run folder by its role: runFile(dir, 'metrics') = <dir>/metrics.jsonl. */
export function runFile(runDir: string, file: keyof typeof RUN_FILES): string {
  return join(runDir, RUN_FILES[file]);
}

/** A checkpoint folder of a run: <dir>/checkpoints/<name> (default 'best'). */
export function checkpointDir(runDir: string, name: string = CHECKPOINT_BEST): string {
  return join(runDir, RUN_FILES.checkpoints, name);
}

/**
 * The folder of an ensemble's member (run.json's config.members): relative to the ensemble's folder when a run is
 * there (the runs folder was moved or copied as a whole), else the absolute folder recorded.
 */
export function ensembleMemberDir(ensembleDir: string, member: { dir: string; relDir?: string }): string {
  const rel = member.relDir ? resolve(ensembleDir, member.relDir) : undefined;
  return rel && existsSync(join(rel, RUN_FILES.manifest)) ? rel : member.dir;
}
