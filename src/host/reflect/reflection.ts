// The chapter's reflection, pre-filled with this workspace's measured facts:
//   (a) Did fine-tuning beat the earlier models, and why?   (b) What would make it better?
//   (c) What limits it in production?
// buildReflection gathers the facts (numbers from the run folders, or measured here with the runs' own models);
// reflectionMarkdown (reflectionMarkdown.ts) writes them out; writeReflection does both. Only runs on one test split are compared.
// Missing facts are stated as missing, with the command that would produce them.
import { isFineTuneKind, type Comparison, type DataSource, type EvalMetrics, type RunManifest, type SettingsPlace } from '../../protocol';
import { evaluatePredictions } from '../eval';
import { compareRuns } from '../jobs/compare';
import { evaluateRun, PredictionMemo } from '../jobs/predict';
import {
  learningCurve,
  loadRuns,
  loadSplitTexts,
  measureLatency,
  measureTruncation,
  modelSize,
  readingOf,
  selectSplit,
  type ExcludedRun,
  type LearningCurve,
  type Latency,
  type LoadedRun,
  type ModelSize,
  type Truncation,
} from './facts';
import { has } from './facts';
import { reflectionMarkdown } from './reflectionMarkdown';
import { analyzeErrors, joinPredictions, type ErrorPatterns, type PatternOptions } from './patterns';
import { existsSync } from 'node:fs';
import { CancelledError } from '../core';
import { comparePredictions } from '../eval';
import { type DomainShiftJson } from '../report/domainShift';

export { comparisonSentence, reflectionMarkdown, truncationSentence, wording } from './reflectionMarkdown';

export interface ReflectionOptions {
  /** Where the texts come from when the runs do not say (e.g. an imported file): same forms as the CLI's --data/--train/--eval. */
  source?: DataSource;
  /** Compare the runs of this split hash (or a prefix of it); default: the split with a fine-tuning run and the most runs. */
  splitHash?: string;
  /** Time each run's predictor on a few test reviews when no benchmark.json exists (default true). */
  measureLatency?: boolean;
  /** Reviews timed per run (default 5). */
  latencyReviews?: number;
  /** Tokenize the test reviews with each fine-tuned run's tokenizer to measure truncation (default true). */
  measureTruncation?: boolean;
  /** Out-of-domain data (a JSONL/CSV file or folder with text and label) to evaluate every compared run on. */
  outOfDomain?: string;
  /** Seed of the bootstrap resamples (default 0). */
  seed?: number;
  patterns?: PatternOptions;
  /** Where the document is read: advice names settings as the fine-tune form labels them ('form', the extension)
   *  or as CLI flags ('cli', the default). */
  settingsPlace?: SettingsPlace;
  /** Polled between measurements (after yielding to the event loop, so a cancel message can arrive): true stops
   *  the work with a CancelledError. */
  cancelled?: () => boolean;
}

export interface RunFacts {
  id: string;
  dir: string;
  kind: RunManifest['kind'];
  title: string;
  model?: string;
  test: EvalMetrics;
  reads: string;
  config: { maxLength?: number; longText?: string; epochs?: number; lr?: number; trainLayers?: unknown; evalEvery?: 'epoch' | 'auto' | number };
  durationMs?: number;
  device: string;
  curve?: LearningCurve;
  patterns?: ErrorPatterns;
  truncation?: Truncation | { missing: string };
  size: ModelSize | { missing: string };
  latency: Latency | { missing: string };
  outOfDomain?: { data: string; n: number; accuracy: number; accuracyCI: [number, number]; warnings?: string[] } | { missing: string };
}

export interface ReflectionFacts {
  runsRoot: string;
  createdAt: string;
  splitHash: string;
  dataset?: RunManifest['dataset'];
  runs: RunFacts[];
  excluded: ExcludedRun[];
  comparisons: ({ a: string; b: string; aId: string; bId: string } & Comparison)[];
  texts: { source: string; trainSize: number } | { missing: string };
  outOfDomainData?: string;
  /** every run on the out-of-domain data, paired on the same examples, when it was measured for two runs or more */
  domainShift?: DomainShiftJson;
  /** how the advice names settings and commands */
  settingsPlace: SettingsPlace;
}

const KIND_TITLES: Record<string, string> = {
  'baseline-tfidf': 'TF-IDF + logistic regression',
  'baseline-nbsvm': 'NB-weighted bigrams + logistic regression (NBSVM)',
  'baseline-embeddings': 'Frozen embeddings + logistic regression',
  'head-only': 'Head-only',
  finetune: 'Fine-tuned',
  ensemble: 'Ensemble',
};

function titleOf(r: LoadedRun): string {
  // a model trained elsewhere and brought in by gft import (src/host/jobs/importModel.ts)
  const imported = (r.manifest.config as { imported?: unknown }).imported !== undefined;
  const t = imported ? 'Imported' : (KIND_TITLES[r.manifest.kind] ?? r.manifest.kind);
  const model = r.manifest.model?.id;
  return isFineTuneKind(r.manifest.kind) ? `${t} ${model ?? ''}`.trim() : t;
}

function uniqueTitles(runs: readonly LoadedRun[]): string[] {
  const titles = runs.map(titleOf);
  return titles.map((t, i) => (titles.filter((x) => x === t).length > 1 ? `${t} (${runs[i].manifest.id})` : t));
}

/** Test metrics as the run recorded them, or computed from its predictions when run.json lacks them. */
function testMetrics(r: LoadedRun, seed: number): EvalMetrics {
  if (r.manifest.test && r.manifest.test.n === r.predictions.length) return r.manifest.test;
  const labels = r.manifest.dataset?.labels;
  return evaluatePredictions(
    r.predictions.map((p) => p.label),
    r.predictions.map((p) => p.probs),
    { labelNames: labels, seed },
  );
}

export async function buildReflection(runsRoot: string, opts: ReflectionOptions = {}): Promise<ReflectionFacts> {
  if (!existsSync(runsRoot)) throw new Error(`runs folder ${runsRoot} not found; pass the folder that holds the run folders (--runs DIR)`);
  const seed = opts.seed ?? 0;
  const check = async () => {
    if (!opts.cancelled) return;
    await new Promise((r) => setImmediate(r));
    if (opts.cancelled()) throw new CancelledError();
  };
  const { runs, unreadable } = loadRuns(runsRoot);
  const group = selectSplit(runs, opts.splitHash);
  const excluded = [...unreadable, ...group.excluded];
  const textInfo = group.included.length ? loadSplitTexts(group, opts.source) : { missing: 'no runs to compare' };
  const texts = 'texts' in textInfo ? textInfo.texts : undefined;
  const titles = uniqueTitles(group.included);

  const facts: RunFacts[] = [];
  const oodPredictions = new Map<string, Awaited<ReturnType<typeof evaluateRun>>['predictions']>();
  const oodMemo = new PredictionMemo(); // an ensemble's members predict the out-of-domain texts once
  for (const [i, r] of group.included.entries()) {
    await check();
    const m = r.manifest;
    const c = m.config as RunFacts['config'];
    const isTransformer = isFineTuneKind(m.kind);
    const testTexts = texts
      ? r.predictions
          .map((p) => texts.get(p.id))
          .filter((t): t is string => t !== undefined)
          .sort()
      : [];
    let patterns: ErrorPatterns | undefined;
    if (texts) {
      const joined = joinPredictions(r.predictions, texts);
      if (joined.examples.length) patterns = analyzeErrors(joined.examples, { labels: m.dataset?.labels, ...opts.patterns });
    }
    let truncation: RunFacts['truncation'];
    if (isTransformer) {
      if (!texts) truncation = { missing: 'the test texts were not found' };
      else if (opts.measureTruncation === false) truncation = { missing: 'not measured (turned off)' };
      else {
        try {
          truncation = await measureTruncation(r, testTexts);
        } catch (err) {
          truncation = { missing: `the run's tokenizer could not be loaded (${(err as Error).message.split('\n')[0]})` };
        }
      }
    }
    let outOfDomain: RunFacts['outOfDomain'];
    await check();
    if (opts.outOfDomain) {
      try {
        const ev = await evaluateRun(r.dir, opts.outOfDomain, seed, {}, oodMemo);
        oodPredictions.set(m.id, ev.predictions);
        outOfDomain = {
          data: opts.outOfDomain,
          n: ev.n,
          accuracy: ev.accuracy,
          accuracyCI: ev.accuracyCI,
          ...(ev.warnings.length ? { warnings: ev.warnings } : {}),
        };
      } catch (err) {
        outOfDomain = { missing: (err as Error).message.split('\n')[0] };
      }
    }
    facts.push({
      id: m.id,
      dir: r.dir,
      kind: m.kind,
      title: titles[i],
      model: m.model?.id,
      test: testMetrics(r, seed),
      reads: readingOf(m).reads,
      config: { maxLength: c.maxLength, longText: c.longText, epochs: c.epochs, lr: c.lr, trainLayers: c.trainLayers, evalEvery: c.evalEvery },
      durationMs: m.durationMs,
      device: m.device,
      curve: isTransformer ? learningCurve(r) : undefined,
      patterns,
      truncation,
      size: modelSize(r),
      latency: await measureLatency(r, testTexts, opts.latencyReviews ?? 5, opts.measureLatency !== false, check),
      outOfDomain,
    });
  }

  // Paired comparisons: each fine-tuning run against each earlier model; without one, every pair.
  const tuned = facts.filter((f) => f.kind === 'finetune');
  const earlier = facts.filter((f) => f.kind !== 'finetune');
  const pairs: [RunFacts, RunFacts][] = [];
  if (tuned.length) for (const b of tuned) for (const a of earlier) pairs.push([a, b]);
  else for (let i = 0; i < facts.length; i++) for (let j = i + 1; j < facts.length; j++) pairs.push([facts[i], facts[j]]);
  await check();
  const comparisons = pairs.map(([a, b]) => ({ a: a.title, b: b.title, aId: a.id, bId: b.id, ...compareRuns(a.dir, b.dir, seed) }));
  // Out of domain: every pair of measured runs on the same examples (which model transfers better)
  let domainShift: DomainShiftJson | undefined;
  const measured = facts.filter((f) => f.outOfDomain && has(f.outOfDomain) && oodPredictions.has(f.id));
  if (opts.outOfDomain && measured.length >= 2) {
    const ood = (f: RunFacts) => f.outOfDomain as { n: number; accuracy: number; accuracyCI: [number, number] };
    const oodComparisons: DomainShiftJson['comparisons'] = [];
    for (let i = 0; i < measured.length; i++) {
      for (let j = i + 1; j < measured.length; j++) {
        oodComparisons.push({
          a: measured[i].title,
          b: measured[j].title,
          ...comparePredictions(oodPredictions.get(measured[i].id)!, oodPredictions.get(measured[j].id)!, seed),
        });
      }
    }
    domainShift = {
      data: opts.outOfDomain,
      n: ood(measured[0]).n,
      models: measured.map((f) => ({
        title: f.title,
        runId: f.id,
        kind: f.kind,
        inDomain: f.test.accuracy,
        accuracy: ood(f).accuracy,
        accuracyCI: ood(f).accuracyCI,
      })),
      comparisons: oodComparisons,
    };
  }

  return {
    runsRoot,
    createdAt: new Date().toISOString(),
    splitHash: group.splitHash,
    dataset: group.included[0]?.manifest.dataset,
    runs: facts,
    excluded,
    comparisons,
    texts: 'texts' in textInfo ? { source: textInfo.source, trainSize: textInfo.trainSize } : textInfo,
    outOfDomainData: opts.outOfDomain,
    ...(domainShift ? { domainShift } : {}),
    settingsPlace: opts.settingsPlace ?? 'cli',
  };
}

/** The reflection as Markdown; the caller writes the file. */
export async function writeReflection(runsRoot: string, opts: ReflectionOptions = {}): Promise<string> {
  return reflectionMarkdown(await buildReflection(runsRoot, opts));
}
