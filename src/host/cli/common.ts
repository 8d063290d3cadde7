// What every gft command shares: the output streams, usage errors, reading flag values, the data flags, the run
// folder of --out, and the wrapper that runs a job with Ctrl-C wired to cancel and progress reported as a bar
// (TTY), JSON lines (--json) or plain lines.
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { DataSource, LogLine, MetricPoint, Progress, RunResult } from '../../protocol';
import { cliName, numberRule, shown, type SettingError } from '../../shared/settings';
import type { JobContext } from '../jobs';
import { DEFAULT_SPLIT } from '../core';
import { pct } from '../../shared/format';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  isTTY: Boolean(process.stderr.isTTY),
};

/** Bad arguments: one line, exit code 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  summary: string;
  usage: string;
  options: Options;
  run(v: Values, positionals: string[], io: Io): Promise<number>;
}

/** A host error about settings, said with the CLI's flags (`--lr must be ...`). */
export function withFlags(err: SettingError): string {
  return err.render(cliName);
}

export function num(v: Values, name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  const raw = v[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (
    raw === '' ||
    !Number.isFinite(n) ||
    (opts.int && !Number.isInteger(n)) ||
    (opts.min !== undefined && n < opts.min) ||
    (opts.max !== undefined && n > opts.max)
  ) {
    throw new UsageError(`--${name} must be ${numberRule(opts)} (got ${shown(raw)})`);
  }
  return n;
}

export function str(v: Values, name: string): string | undefined {
  const s = v[name];
  return typeof s === 'string' ? s : undefined;
}

export function oneOf<T extends string>(v: Values, name: string, allowed: readonly T[]): T | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got '${s}')`);
  return s as T;
}

export const common: Options = { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } };

export const DATA_HELP = `Data (one of):
  --data SPEC            builtin:movie-reviews, a folder of label sub-folders, or a .csv/.tsv/.jsonl file;
                         split into train/validation/test (stratified, seeded)
  --split V,T            validation and test fractions (default ${DEFAULT_SPLIT.validation},${DEFAULT_SPLIT.test})
  --split-seed N         seed of the split (default ${DEFAULT_SPLIT.seed})
  --fold N               cross-validation instead: the test set is fold N of the dataset's own folds (the movie
                         reviews: Pang & Lee's 10); validation is 10% of the data, from the other folds
  --folds K              with --fold: make K seeded stratified folds instead of the dataset's own
  --train FILE           JSONL/CSV with text and label, used as the training set in its order with --no-shuffle
  --eval FILE            JSONL/CSV used as the validation and test set`;

export const dataOptions: Options = {
  data: { type: 'string' },
  train: { type: 'string' },
  eval: { type: 'string' },
  split: { type: 'string' },
  'split-seed': { type: 'string' },
  fold: { type: 'string' },
  folds: { type: 'string' },
};

/** The data flags as a DataSource (checked: files exist, one way of giving data, a valid split). */
export function dataSource(v: Values): DataSource {
  const data = str(v, 'data');
  const trainFile = str(v, 'train');
  const evalFile = str(v, 'eval');
  if (data && trainFile) throw new UsageError('give either --data or --train/--eval, not both');
  if (!data && !trainFile) throw new UsageError('no data: pass --data builtin:movie-reviews (or a path), or --train FILE [--eval FILE]');
  if (evalFile && !trainFile) throw new UsageError('--eval needs --train');
  for (const f of [trainFile, evalFile]) if (f && !existsSync(f)) throw new UsageError(`file not found: ${f}`);
  const src: DataSource = { data, trainFile, evalFile };
  const split = str(v, 'split');
  const splitSeed = num(v, 'split-seed', { int: true, min: 0 });
  const fold = num(v, 'fold', { int: true, min: 1 });
  const folds = num(v, 'folds', { int: true, min: 2 });
  if (folds !== undefined && fold === undefined) throw new UsageError('--folds needs --fold N (the fold to test on)');
  if (fold !== undefined) {
    if (split !== undefined) throw new UsageError('give either --split (holdout) or --fold (cross-validation), not both');
    if (trainFile) throw new UsageError('--fold splits a dataset given with --data; --train/--eval files are used as given');
    src.split = { ...DEFAULT_SPLIT, seed: splitSeed ?? DEFAULT_SPLIT.seed, fold, folds };
  } else if (split !== undefined || splitSeed !== undefined) {
    const parts = (split ?? `${DEFAULT_SPLIT.validation},${DEFAULT_SPLIT.test}`).split(',').map(Number);
    if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x) || x < 0 || x >= 1))
      throw new UsageError(`--split must be two fractions 'validation,test' such as 0.1,0.2 (got '${split}')`);
    src.split = { validation: parts[0], test: parts[1], seed: splitSeed ?? DEFAULT_SPLIT.seed };
  }
  return src;
}

/** --out DIR is the run folder itself: its parent is the runs root and its name the run id. */
export function outFolder(v: Values): { runsRoot: string; runId?: string } {
  const out = str(v, 'out');
  if (!out) return { runsRoot: resolve('runs') };
  const abs = resolve(out);
  return { runsRoot: dirname(abs), runId: basename(abs) };
}

/** Progress as a bar (TTY), JSON lines (--json) or plain lines. Returns the job context and a closer. */
function reporter(io: Io, json: boolean, signal?: AbortSignal): { ctx: JobContext; close(): void } {
  if (json) {
    const emit = (event: string, data: unknown) => io.out(JSON.stringify({ event, ...(data as object) }));
    return {
      ctx: {
        signal,
        started: (s) => emit('started', s),
        progress: (p) => emit('progress', p),
        metric: (m) => emit('metric', m),
        log: (l) => emit('log', l),
      },
      close: () => undefined,
    };
  }
  let bar: {
    start(total: number, v: number, payload?: object): void;
    update(v: number, payload?: object): void;
    setTotal(t: number): void;
    stop(): void;
  } | null = null;
  let phase = '';
  const onProgress = (p: Progress) => {
    if (!io.isTTY) return;
    if (p.phase !== phase || !bar) {
      bar?.stop();
      phase = p.phase;
      // Loaded lazily: only a TTY needs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
      bar = new SingleBar({ format: `${p.phase.padEnd(10)} [{bar}] {value}/{total} {info}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
      bar.start(p.total, p.step, { info: '' });
    }
    const info = [
      p.detail ?? '',
      p.epoch !== undefined ? `epoch ${p.epoch}` : '',
      p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : '',
      p.samplesPerSec ? `${p.samplesPerSec.toFixed(1)}/s` : '',
      p.etaSec !== undefined ? `ETA ${Math.round(p.etaSec)}s` : '',
    ]
      .filter(Boolean)
      .join(' ');
    bar.setTotal(p.total);
    bar.update(p.step, { info });
  };
  return {
    ctx: {
      signal,
      started: (s) => io.err(`run ${s.runId} in ${s.runDir}`),
      progress: onProgress,
      log: (l: LogLine) => {
        // the bar shows progress and the log is in log.txt, but warnings are always shown
        if (io.isTTY && bar && l.level !== 'warn') return;
        io.err(l.message);
      },
      metric: (_m: MetricPoint) => undefined,
    },
    close: () => {
      bar?.stop();
      bar = null;
    },
  };
}

/** Runs a job with Ctrl-C (SIGINT) and SIGTERM wired to cancel (the job saves, then stops). */
export async function withCancel<T>(f: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    return await f(ac.signal);
  } finally {
    process.removeListener('SIGINT', onSig);
    process.removeListener('SIGTERM', onSig);
  }
}

/** Runs a job with cancel wired and progress reported (--json: JSON lines); the bar is closed when it ends. */
export function runJobWithProgress<T>(io: Io, json: boolean, job: (ctx: JobContext) => Promise<T>): Promise<T> {
  return withCancel(async (signal) => {
    const rep = reporter(io, json, signal);
    try {
      return await job(rep.ctx);
    } finally {
      rep.close();
    }
  });
}

/** Prints a run's result; the exit code: 0 completed, 130 cancelled, 1 failed. */
export function printResult(io: Io, json: boolean, r: RunResult): number {
  if (json) io.out(JSON.stringify({ event: 'result', ...r }));
  else {
    const t = r.test;
    const acc = t
      ? `test accuracy ${pct(t.accuracy, 2)} (95% CI ${(t.accuracyCI[0] * 100).toFixed(1)}-${(t.accuracyCI[1] * 100).toFixed(1)}), macro F1 ${t.macroF1.toFixed(4)}`
      : '';
    io.out(`${r.status}: ${r.runDir}${acc ? `\n${acc}` : ''}${r.error ? `\nerror: ${r.error}` : ''}`);
  }
  return r.status === 'completed' ? 0 : r.status === 'cancelled' ? 130 : 1;
}
