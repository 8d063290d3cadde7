// Facts the reflection is written from, each read from the run folders or measured here with the runs' own
// models and data: which runs share a test split, the texts of that split, learning curves, how much of each
// review a model reads, size on disk, CPU latency. Anything that cannot be found is returned as a reason.
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { DataSource, MetricRecord, PredictionRecord, RunManifest } from '../../protocol';
import { isBuiltin } from '../data';
import { prepareData } from '../core';
import { loadPredictor, type EnsembleMember } from '../jobs/predict';
import { listRuns, readJson, readRun } from '../runs';
import { loadHfTokenizer, type TextTokenizer } from '../tokenize';
import { truncationStats, type ReadingStrategy } from '../report/limits';
import { SENTENCE_MEAN } from '../train/docPool';
import { resolveModel } from '../models/hub';
import { starterTokenizer } from '../train/model';
import { STARTER_MODEL_CARD } from '../models/starter';
import { trainerCheckpointPath, TRAINER_PARAM_PREFIX } from '../../engine';
import { checkpointDir, ensembleMemberDir } from '../../shared/node/runFiles';
import { CHECKPOINT_BEST } from '../../shared/runLayout';

export interface LoadedRun {
  dir: string;
  manifest: RunManifest;
  metrics: MetricRecord[];
  /** test predictions */
  predictions: PredictionRecord[];
}

export interface ExcludedRun {
  id: string;
  kind: string;
  status: string;
  reason: string;
}

export function loadRuns(runsRoot: string): { runs: LoadedRun[]; unreadable: ExcludedRun[] } {
  const runs: LoadedRun[] = [];
  const unreadable: ExcludedRun[] = [];
  for (const s of listRuns(runsRoot)) {
    try {
      const d = readRun(s.dir);
      runs.push({ dir: s.dir, manifest: d.manifest, metrics: d.metrics, predictions: d.predictions.filter((p) => (p.split ?? 'test') === 'test') });
    } catch (err) {
      unreadable.push({ id: s.id, kind: s.kind, status: s.status, reason: `unreadable: ${(err as Error).message.split('\n')[0]}` });
    }
  }
  return { runs, unreadable };
}

export interface SplitGroup {
  splitHash: string;
  included: LoadedRun[];
  excluded: ExcludedRun[];
}

/**
 * The runs that can be compared: completed, with test predictions, on one split (same split hash). The split is
 * the one asked for, else the one with a fine-tuning run and the most runs (newest first on a tie).
 */
export function selectSplit(runs: readonly LoadedRun[], wanted?: string): SplitGroup {
  const excluded: ExcludedRun[] = [];
  const groups = new Map<string, LoadedRun[]>();
  for (const r of runs) {
    const m = r.manifest;
    const ex = (reason: string) => excluded.push({ id: m.id, kind: m.kind, status: m.status, reason });
    if (m.status !== 'completed') ex(`status ${m.status}`);
    else if (r.predictions.length === 0) ex('no test predictions');
    else if (!m.dataset?.splitHash) ex('run.json records no split hash');
    else groups.set(m.dataset.splitHash, [...(groups.get(m.dataset.splitHash) ?? []), r]);
  }
  const keys = [...groups.keys()];
  let chosen: string | undefined;
  if (wanted) {
    chosen = keys.find((k) => k === wanted || k.startsWith(wanted));
    if (!chosen) throw new Error(`no completed run has split hash ${wanted}; run \`gft runs\` to see the runs, or leave the split out`);
  } else {
    const score = (k: string) => {
      const g = groups.get(k)!;
      return [g.some((r) => r.manifest.kind === 'finetune') ? 1 : 0, g.length, Math.max(...g.map((r) => Date.parse(r.manifest.startedAt)))];
    };
    chosen = keys.sort((a, b) => {
      const sa = score(a);
      const sb = score(b);
      for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sb[i] - sa[i];
      return 0;
    })[0];
  }
  for (const k of keys) {
    if (k === chosen) continue;
    for (const r of groups.get(k)!)
      excluded.push({ id: r.manifest.id, kind: r.manifest.kind, status: r.manifest.status, reason: `different test split (split hash ${k.slice(0, 12)})` });
  }
  const included = chosen
    ? groups
        .get(chosen)!
        .slice()
        .sort((a, b) => a.manifest.startedAt.localeCompare(b.manifest.startedAt))
    : [];
  return { splitHash: chosen ?? '', included, excluded };
}

type SplitSettings = NonNullable<DataSource['split']>;

function recordedSource(m: RunManifest): DataSource | undefined {
  const c = m.config as { data?: DataSource; split?: SplitSettings };
  if (c.data && typeof c.data === 'object' && (c.data.data || c.data.trainFile))
    return { data: c.data.data, trainFile: c.data.trainFile, evalFile: c.data.evalFile, split: c.data.split };
  if (m.dataset && isBuiltin(m.dataset.id)) return { data: m.dataset.id, split: c.split };
  return undefined;
}

function recordedSplit(runs: readonly LoadedRun[]): SplitSettings | undefined {
  for (const r of runs) {
    const c = r.manifest.config as { data?: { split?: SplitSettings }; split?: SplitSettings };
    const s = c.data?.split ?? c.split;
    if (s && typeof s === 'object') return s;
  }
  return undefined;
}

export interface SplitTexts {
  /** test texts by id */
  texts: Map<string, string>;
  trainSize: number;
  source: string;
}

/**
 * The texts of the group's test split: from the data source given, else from the runs' recorded sources; a source
 * counts only if it reproduces the runs' split hash exactly (so the texts are the ones the runs were tested on).
 */
export function loadSplitTexts(group: SplitGroup, given?: DataSource): SplitTexts | { missing: string } {
  const split = recordedSplit(group.included);
  const candidates: DataSource[] = [];
  if (given) candidates.push(given.data && !given.split && split ? { ...given, split } : given);
  for (const r of group.included) {
    const s = recordedSource(r.manifest);
    if (s) candidates.push(s);
  }
  const tried: string[] = [];
  const seen = new Set<string>();
  for (const src of candidates) {
    const key = JSON.stringify(src);
    if (seen.has(key)) continue;
    seen.add(key);
    const name = src.trainFile ? `--train ${src.trainFile}${src.evalFile ? ` --eval ${src.evalFile}` : ''}` : `--data ${src.data}`;
    try {
      const p = prepareData(src);
      if (p.ref.splitHash === group.splitHash) return { texts: new Map(p.test.map((e) => [e.id, e.text])), trainSize: p.train.length, source: name };
      tried.push(`${name} gives another split`);
    } catch (err) {
      tried.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { missing: tried.length ? `the texts of the test split were not found (${tried.join('; ')})` : 'the runs do not record where their data came from' };
}

export interface LearningCurve {
  points: { step: number; epoch: number; loss: number; accuracy: number }[];
  bestStep?: number;
  lastStep: number;
  /** the last validation loss is the lowest so far and below the one before it */
  stillFalling: boolean;
  /** step of the lowest validation loss */
  minLossStep?: number;
  /** mean training loss of the first and the last tenth of the steps */
  trainLossStart?: number;
  trainLossEnd?: number;
  steps: number;
}

export function learningCurve(r: LoadedRun): LearningCurve {
  const points = r.metrics
    .filter((m): m is Extract<MetricRecord, { type: 'eval' }> => m.type === 'eval' && m.split === 'validation')
    .map((m) => ({ step: m.step, epoch: m.epoch, loss: m.metrics.loss ?? m.metrics.logLoss, accuracy: m.metrics.accuracy }))
    .sort((a, b) => a.step - b.step);
  const steps = r.metrics.filter((m): m is Extract<MetricRecord, { type: 'step' }> => m.type === 'step').sort((a, b) => a.step - b.step);
  const tenth = Math.max(1, Math.floor(steps.length / 10));
  const mean = (xs: { loss: number }[]) => xs.reduce((s, x) => s + x.loss, 0) / xs.length;
  let minLossStep: number | undefined;
  let minLoss = Infinity;
  for (const p of points) if (p.loss < minLoss) [minLoss, minLossStep] = [p.loss, p.step];
  const last = points.at(-1);
  const prev = points.at(-2);
  return {
    points,
    bestStep: r.manifest.best?.step,
    lastStep: steps.at(-1)?.step ?? last?.step ?? 0,
    stillFalling: Boolean(last && prev && last.loss < prev.loss && last.loss <= minLoss),
    minLossStep,
    trainLossStart: steps.length ? mean(steps.slice(0, tenth)) : undefined,
    trainLossEnd: steps.length ? mean(steps.slice(-tenth)) : undefined,
    steps: steps.length,
  };
}

/** The long-text strategy a run's test predictions used: evaluation's own (evalLongText) when set, else training's. */
export function strategyOf(m: RunManifest): string {
  const c = m.config as { longText?: string; evalLongText?: string };
  return c.evalLongText ?? c.longText ?? 'head';
}

/** Strategies that read every token of a text (the others keep one window). */
export const READS_WHOLE_TEXT: ReadonlySet<string> = new Set(['chunks', SENTENCE_MEAN]);

/** How a run reads a long text, from its kind and configuration. */
export function readingOf(m: RunManifest): { reads: string; maxLength?: number; longText?: string } {
  const c = m.config as { maxLength?: number; pooling?: string };
  if (m.kind === 'baseline-tfidf' || m.kind === 'baseline-nbsvm') return { reads: 'every word of the review (bag of uni- and bigrams)' };
  if (m.kind === 'baseline-embeddings')
    return {
      reads: `the whole review, embedded ${c.pooling === 'sentences' ? 'sentence by sentence' : `in windows (${c.pooling ?? 'pooling not recorded'})`} and averaged`,
    };
  const n = c.maxLength ?? '?';
  const longText = strategyOf(m);
  const reads: Record<string, string> = {
    chunks: `the whole review in windows of ${n} tokens, window predictions averaged`,
    head: `only the first ${n} tokens of each review`,
    tail: `only the last ${n} tokens of each review`,
    'head+tail': `only the opening and the ending of each review, ${n} tokens in all`,
    'sentence-mean': `the whole review sentence by sentence (pieces of at most ${n} tokens), the head reading the mean of the sentence embeddings`,
  };
  return { reads: reads[longText] ?? `at most ${n} tokens (${longText})`, maxLength: c.maxLength, longText };
}

/** What a fine-tuned run's long-text strategy reads of the test reviews (truncationStats of the reports). */
export interface Truncation {
  tokenizer: string;
  /** the run's window (or sentence-piece) length in tokens */
  maxLength: number;
  /** the strategy its test predictions used */
  longText: string;
  /** true when the strategy reads every token (chunks, sentence-mean) */
  readsWholeText: boolean;
  reviews: number;
  meanTokens: number;
  /** share of the test reviews with more tokens than one window holds */
  longerShare: number;
  /** mean share of a review's tokens the run's strategy never reads (0 for chunks and sentence-mean) */
  droppedShare: number;
  /** the same for reading only one window (what head would drop) */
  oneWindowDroppedShare: number;
}

async function runTokenizer(m: RunManifest): Promise<TextTokenizer> {
  const spec = (m.config as { data?: { model?: string } }).data?.model ?? m.model?.id;
  if (!spec) throw new Error('run.json names no model');
  if (spec === 'starter') return starterTokenizer().tokenizer;
  const resolved = await resolveModel(spec, { offline: true });
  return loadHfTokenizer(resolved.folder);
}

/** Token lengths of the test texts under a fine-tuned run's tokenizer, read the way its strategy reads them. */
export async function measureTruncation(r: LoadedRun, texts: readonly string[], tokenizer?: TextTokenizer): Promise<Truncation> {
  const c = r.manifest.config as { maxLength?: number };
  const tok = tokenizer ?? (await runTokenizer(r.manifest));
  const maxLength = Math.min(c.maxLength ?? tok.modelMaxLength, tok.modelMaxLength);
  const longText = strategyOf(r.manifest);
  if (texts.length === 0) throw new Error('no test texts to measure');
  const s = truncationStats(tok, texts, { strategy: longText as ReadingStrategy, maxLength, modelLimit: maxLength });
  return {
    tokenizer: tok.name,
    maxLength,
    longText,
    readsWholeText: READS_WHOLE_TEXT.has(longText),
    reviews: s.n,
    meanTokens: s.meanTokens,
    longerShare: s.longerThanLimit,
    droppedShare: s.droppedShare,
    oneWindowDroppedShare: s.firstWindowDroppedShare,
  };
}

export interface ModelSize {
  bytes: number;
  what: string;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    total += st.isDirectory() ? folderBytes(p) : st.size;
  }
  return total;
}

/** Bytes of the tensors whose names start with prefix, read from a safetensors header only. */
export function safetensorsBytes(path: string, prefix: string): number {
  const fd = openSync(path, 'r');
  try {
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE(0));
    const head = Buffer.alloc(n);
    readSync(fd, head, 0, n, 8);
    const header = JSON.parse(head.toString('utf8')) as Record<string, { data_offsets?: [number, number] }>;
    let total = 0;
    for (const [k, v] of Object.entries(header)) if (k.startsWith(prefix) && v.data_offsets) total += v.data_offsets[1] - v.data_offsets[0];
    return total;
  } finally {
    closeSync(fd);
  }
}

/** Size of the model a run would ship: its best checkpoint's weights (optimizer state left out). */
export function modelSize(r: LoadedRun): ModelSize | { missing: string } {
  const best = checkpointDir(r.dir, CHECKPOINT_BEST);
  if (!existsSync(best)) return { missing: 'the run has no checkpoints/best folder' };
  const trainer = trainerCheckpointPath(best);
  if (existsSync(trainer))
    return { bytes: safetensorsBytes(trainer, TRAINER_PARAM_PREFIX), what: 'fp32 weights in checkpoints/best (optimizer state excluded)' };
  const own = folderBytes(best);
  if (r.manifest.kind === 'ensemble') {
    // An ensemble ships every member with a weight above 0 (its own folder holds only the weights).
    const members = ((r.manifest.config.members ?? []) as EnsembleMember[]).filter((m) => m.weight > 0);
    const sizes = members.map((m) => {
      const dir = ensembleMemberDir(r.dir, m);
      return { m, size: modelSize({ dir, ...readRun(dir) }) };
    });
    const missing = sizes.find((x) => 'missing' in x.size);
    if (missing) return { missing: `member ${missing.m.id}: ${(missing.size as { missing: string }).missing}` };
    const bytes = sizes.reduce((t, x) => t + (x.size as ModelSize).bytes, own);
    return { bytes, what: `its members' models (${members.map((m) => m.name).join(' + ')}) and the weights in checkpoints/best` };
  }
  if (r.manifest.kind === 'baseline-embeddings') {
    // The classifier alone is tiny; serving it also needs the frozen starter model (fp32 parameters).
    const frozen = STARTER_MODEL_CARD.parameters * 4;
    return {
      bytes: own + frozen,
      what: `the logistic regression in checkpoints/best (${own} bytes) plus the frozen starter model it embeds with (${STARTER_MODEL_CARD.parameters.toLocaleString('en-US')} fp32 parameters, ${frozen} bytes)`,
    };
  }
  return { bytes: own, what: 'files in checkpoints/best' };
}

export interface Latency {
  msPerReview: number;
  reviews: number;
  how: string;
}

export const BENCHMARK_FILE = 'benchmark.json';

/**
 * CPU latency per review: a benchmark.json in the run folder or a `benchmark` field in run.json
 * ({ msPerReview, reviews?, how? }, e.g. written by an export benchmark), else measured here with the run's own
 * predictor: one review per call (as an interactive use would), after one warm-up call; the median over the reviews.
 */
export async function measureLatency(
  r: LoadedRun,
  texts: readonly string[],
  count: number,
  measure: boolean,
  check?: () => Promise<void>,
): Promise<Latency | { missing: string }> {
  type Bench = { msPerReview?: unknown; reviews?: unknown; how?: unknown };
  const file = join(r.dir, BENCHMARK_FILE);
  const recorded: [Bench | undefined, string][] = [
    [existsSync(file) ? readJson<Bench>(file) : undefined, BENCHMARK_FILE],
    [(r.manifest as unknown as { benchmark?: Bench }).benchmark, 'run.json benchmark'],
  ];
  for (const [b, where] of recorded) {
    if (b && typeof b.msPerReview === 'number')
      return {
        msPerReview: b.msPerReview,
        reviews: typeof b.reviews === 'number' ? b.reviews : 0,
        how: typeof b.how === 'string' ? `${b.how} (from ${where})` : `from ${where}`,
      };
  }
  if (!measure) return { missing: 'not measured (latency measurement was turned off)' };
  if (texts.length === 0) return { missing: 'not measured (no test texts to time)' };
  let p;
  try {
    p = await loadPredictor(r.dir);
  } catch (err) {
    return { missing: `not measured (${(err as Error).message.split('\n')[0]})` };
  }
  const sample = texts.slice(0, Math.max(1, count));
  await p.predictProba([sample[0]]);
  const ms: number[] = [];
  for (const t of sample) {
    await check?.();
    const t0 = process.hrtime.bigint();
    await p.predictProba([t]);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const median = ms.length % 2 ? ms[(ms.length - 1) / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
  const cpu = cpus();
  return {
    msPerReview: median,
    reviews: sample.length,
    how: `median of ${sample.length} test reviews, one per call, with the run's predictor on this machine (${cpu.length} x ${cpu[0]?.model.trim() ?? 'CPU'})`,
  };
}

/** A measured fact, not a `{ missing }` placeholder. */
export const has = <T extends object>(x: T | { missing: string } | undefined): x is T => x !== undefined && !('missing' in x);
