// `gft demo`: built-in movie reviews and the starter model, offline. One seeded split; the TF-IDF and NBSVM
// baselines, the frozen-embedding baseline and fine-tuning of the starter model; two ensembles (TF-IDF + fine-tuned;
// TF-IDF + NBSVM + fine-tuned, weights fit on validation); every model on the rt-polarity snippets
// (domain shift); then report.md + report.json.
// A step that is not available in this build (or fails) is recorded in the report rather than stopping it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensemblePoolingText, isFineTuneKind, type BaselineParams, type RunResult, type TrainParams } from '../../protocol';
import { changedSettings, cliName, DEFAULT_TRAIN_CONFIG, numberText, resolveTrainConfig, STARTER_DEMO_CONFIG, trainLayersText } from '../../shared/settings';
import { loadBuiltin } from '../data';
import { CancelledError, DEFAULT_SPLIT, type JobContext, throwIfCancelled } from '../core';
import { jobHandlers } from '../jobs/registry';
import type { EnsembleMember } from '../jobs/predict';
import { RunFolder } from '../runs';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/node/runFiles';
import { buildReport, reportMarkdown, type ReportRun } from './report';
import { buildLimits, type LimitsJson } from './limits';
import { DEFAULT_OUT_OF_DOMAIN, measureDomainShift, type DomainShiftJson } from './domainShift';
import { starterTokenizer } from '../train/model';
import { USE_LITE_MAX_TOKENS } from '../../engine/models/useLite';
import { pct } from '../../shared/format';

const FINETUNE_TITLE = 'Fine-tuned starter model';

/** The short names of the demo's ensemble members, by run kind. */
const MEMBER_NAMES: Record<string, string> = {
  'baseline-tfidf': 'TF-IDF',
  'baseline-nbsvm': 'NBSVM',
  finetune: 'fine-tuned',
  'head-only': 'fine-tuned',
};

/**
 * The demo's ensembles (src/host/jobs/ensemble.ts): TF-IDF + the fine-tuned model, the pair the chapter compares;
 * and with NBSVM as a third member, the best ensemble over the 10 canonical folds (README, "Ensembles").
 */
export const DEMO_ENSEMBLES = [
  { title: 'Ensemble: TF-IDF + fine-tuned (weights fit on validation)', kinds: ['baseline-tfidf', 'finetune'] },
  { title: 'Ensemble: TF-IDF + NBSVM + fine-tuned (weights fit on validation)', kinds: ['baseline-tfidf', 'baseline-nbsvm', 'finetune'] },
] as const;

/** The completed run of each kind among the demo's runs (a head-only run counts as fine-tuned): an ensemble's members, or undefined. */
export function ensembleMembers(runs: readonly RunResult[], kinds: readonly RunResult['kind'][]): RunResult[] | undefined {
  const members = kinds.map((k) => runs.find((r) => r.status === 'completed' && (r.kind === k || (k === 'finetune' && isFineTuneKind(r.kind)))));
  return members.every((r) => r !== undefined) ? (members as RunResult[]) : undefined;
}

export interface DemoOptions {
  out: string;
  quick?: boolean;
  /** where the fine-tuning trains (default: GFT_DEVICE, else auto) and its CPU threads */
  device?: TrainParams['device'];
  threads?: number;
}

export interface DemoResult {
  reportMarkdown: string;
  reportJson: string;
  runs: RunResult[];
  summary: string;
}

/** Settings of the demo's fine-tuning: sized to finish within the demo's 20 minutes on 2 CPU cores. */
export function demoTrainConfig(quick: boolean): TrainParams['config'] {
  // sentence-mean: the head reads the mean of the review's sentence embeddings (the frozen baseline's pooling,
  // ~84% frozen), and fine-tuning adapts the encoder through it; one 128-token window per review (head+tail)
  // cannot beat that (frozen, the last 128 tokens give only 75%). Each step samples 8 of a review's ~32
  // sentences (all of them at evaluation). Pieces of at most 64 tokens: a batch pads to its longest piece, and
  // 128-token pieces made random batches ~4x padding (sentences average ~33 tokens). Training the top layer and
  // the head at lr 4e-4 reached 86.0% test on the full split in 3 epochs (frozen embeddings 83.3%); all layers at
  // 2e-4, 83.0%. After 3 epochs the training loss (~0.35) was still at the validation loss: a 4th epoch raised the
  // 10-fold cross-validation from 86.35% to 88.1%, and 88.35% with the checkpoint rule that follows
  // (DEMO_RECIPE_WHY). The best checkpoint is the one of lowest validation log loss (Hugging Face Trainer's
  // default): accuracy on 200 validation reviews moves in steps of half a point and ties (the seed-42 split: 89.0%
  // after epochs 3 and 4, log loss 0.322 and 0.299, the tie kept epoch 3), while log loss weighs every
  // prediction's confidence, which is what an ensemble averages.
  // Validated once per epoch, as when the 86.0% was measured (the default, 'auto', would validate twice per epoch).
  // The recipe is the settings schema's STARTER_DEMO_CONFIG (also the form's preset); the rest are the defaults.
  // Layer-wise learning-rate decay did not beat it in one-epoch comparisons (DEMO_RECIPE_WHY, README).
  const common = { ...STARTER_DEMO_CONFIG, trainLayers: { ...STARTER_DEMO_CONFIG.trainLayers }, evalEvery: 'epoch' } as const;
  return quick ? { ...common, epochs: 2, warmupSteps: 2 } : common;
}

/** Why the demo fine-tunes with its recipe: what was measured against it (README, "Measured figures"). */
export const DEMO_RECIPE_WHY =
  "Why: over Pang & Lee's 10 canonical folds (each of the 2000 reviews tested once) it reached 88.35% pooled accuracy in 4 epochs keeping the checkpoint of lowest validation log loss, which weighs every prediction's confidence (88.1% keeping the highest validation accuracy, which on 200 reviews ties in half-point steps; 86.35% in 3 epochs), against 83.5% for the frozen embeddings and 87.65% for TF-IDF, and it fits the demo's 20 minutes on 2 CPU cores; in one-epoch comparisons on the seed-42 split, judged on validation, both layers with layer-wise learning-rate decay 0.5 (--train-layers top:2 --layer-lr-decay 0.5) and every weight with it (--train-layers all --layer-lr-decay 0.5) reached 75.0% validation accuracy against its 76.0% (log loss 0.504 and 0.501 against 0.494): no better, so the demo trains the top layer and the head.";

/** The report's line on the fine-tuning recipe: its settings as gft train's flags (the others at their defaults), and why. */
export function demoRecipeNote(quick: boolean): string {
  const c = resolveTrainConfig(demoTrainConfig(quick));
  const flags = changedSettings(DEFAULT_TRAIN_CONFIG, c)
    .filter((k) => k in c && cliName(k).startsWith('--'))
    .map((k) => {
      const v = c[k as keyof typeof c];
      return `${cliName(k)} ${typeof v === 'number' ? numberText(v) : typeof v === 'object' ? trainLayersText(v) : String(v)}`;
    });
  return `Fine-tuning recipe: gft train --model starter ${flags.join(' ')} (the other settings at their defaults). ${DEMO_RECIPE_WHY}`;
}

export async function runDemo(opts: DemoOptions, ctx: JobContext, say: (line: string) => void = () => undefined): Promise<DemoResult> {
  mkdirSync(opts.out, { recursive: true });
  const runsRoot = join(opts.out, 'runs');
  const split = DEFAULT_SPLIT;
  let data: { data: string; split: typeof split } = { data: 'builtin:movie-reviews', split };
  if (opts.quick) {
    // A stratified 300-review subset, to try the whole pipeline in a few minutes.
    const ds = loadBuiltin('movie-reviews');
    const subset = [0, 1].flatMap((l) => ds.examples.filter((e) => e.label === l).slice(0, 150));
    const path = join(opts.out, 'quick-reviews.jsonl');
    writeFileAtomic(path, subset.map((e) => JSON.stringify({ id: e.id, text: e.text, label: ds.labels[e.label] })).join('\n') + '\n');
    data = { data: path, split };
  }
  const notes: string[] = [
    `Split: stratified holdout, validation ${split.validation}, test ${split.test}, seed ${split.seed}; the TF-IDF features and every model see only the training reviews.`,
    demoRecipeNote(Boolean(opts.quick)),
  ];
  const steps: { title: string; start: () => Promise<RunResult> }[] = [
    { title: 'TF-IDF + logistic regression', start: () => jobHandlers.baseline({ kind: 'tfidf', ...data, runsRoot, seed: 42 } satisfies BaselineParams, ctx) },
    {
      title: 'NB-weighted bigrams + logistic regression (NBSVM)',
      start: () => jobHandlers.baseline({ kind: 'nbsvm', ...data, runsRoot, seed: 42 } satisfies BaselineParams, ctx),
    },
    {
      title: 'Frozen starter embeddings + logistic regression',
      start: () => jobHandlers.baseline({ kind: 'embeddings', model: 'starter', ...data, runsRoot, seed: 42 } satisfies BaselineParams, ctx),
    },
    {
      title: FINETUNE_TITLE,
      start: () =>
        jobHandlers.train(
          {
            model: 'starter',
            ...data,
            runsRoot,
            config: demoTrainConfig(Boolean(opts.quick)),
            device: opts.device,
            threads: opts.threads,
          } satisfies TrainParams,
          ctx,
        ),
    },
  ];
  const runs: RunResult[] = [];
  const reportRuns: ReportRun[] = [];
  for (const s of steps) {
    throwIfCancelled(ctx);
    say(`== ${s.title}`);
    const t0 = Date.now();
    try {
      const r = await s.start();
      runs.push(r);
      reportRuns.push({ title: s.title, runDir: r.runDir });
      say(
        `   ${r.status}${r.test ? `: test accuracy ${pct(r.test.accuracy)}` : ''}${r.error ? ` (${r.error})` : ''} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
      if (r.status === 'cancelled') throw new CancelledError();
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      notes.push(`${s.title}: not run — ${msg}`);
      say(`   not run: ${msg}`);
    }
  }
  // The ensembles: the members' log-probabilities averaged with weights and a temperature fit on validation.
  for (const e of DEMO_ENSEMBLES) {
    const members = ensembleMembers(runs, e.kinds);
    if (!members) continue;
    throwIfCancelled(ctx);
    say(`== ${e.title}`);
    const t0 = Date.now();
    try {
      const r = await jobHandlers.ensemble({ runs: members.map((m) => m.runDir), runsRoot, seed: 42 }, ctx);
      runs.push(r);
      reportRuns.push({ title: e.title, runDir: r.runDir });
      const config = RunFolder.open(r.runDir).manifest.config;
      const fitted = (config.members ?? []) as EnsembleMember[];
      const weights = fitted.map((m) => `${MEMBER_NAMES[m.kind] ?? m.name} ${m.weight.toFixed(2)}`).join(', ');
      const pooled = ensemblePoolingText(config);
      if (r.status === 'completed') notes.push(`${e.title}: weights ${weights} (${pooled}), fit on the ${split.validation * 100}% validation reviews only.`);
      say(
        `   ${r.status}${r.test ? `: test accuracy ${pct(r.test.accuracy)} (weights ${weights})` : ''}${r.error ? ` (${r.error})` : ''} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
      if (r.status === 'cancelled') throw new CancelledError();
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      notes.push(`${e.title}: not run — ${msg}`);
      say(`   not run: ${msg}`);
    }
  }
  const texts = new Map(loadBuiltin('movie-reviews').examples.map((e) => [e.id, e.text]));
  // Domain shift: every model on the 10,662 rt-polarity snippets (short texts from another source).
  let domainShift: DomainShiftJson | undefined;
  if (reportRuns.length) {
    throwIfCancelled(ctx);
    // --quick: every 10th snippet (1,067 of 10,662, both labels), written like the quick reviews
    let oodData = DEFAULT_OUT_OF_DOMAIN;
    if (opts.quick) {
      const rt = loadBuiltin('rt-polarity');
      oodData = join(opts.out, 'quick-snippets.jsonl');
      writeFileAtomic(
        oodData,
        rt.examples
          .filter((_, i) => i % 10 === 0)
          .map((e) => JSON.stringify({ id: e.id, text: e.text, label: rt.labels[e.label] }))
          .join('\n') + '\n',
      );
    }
    say(`== Domain shift (every model on ${opts.quick ? `every 10th snippet of ${DEFAULT_OUT_OF_DOMAIN}` : DEFAULT_OUT_OF_DOMAIN})`);
    try {
      domainShift = await measureDomainShift(reportRuns, oodData, 1, say);
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      notes.push(`Domain shift: not measured — ${msg}`);
      say(`   not measured: ${msg}`);
    }
  }
  // Limits in production of the fine-tuned model: exported to <out>/export and timed on its test reviews.
  let limits: LimitsJson | undefined;
  const ft = ensembleMembers(runs, ['finetune'])?.[0];
  const ftTitle = FINETUNE_TITLE;
  const ftShift = domainShift?.models.find((m) => m.title === ftTitle && m.accuracy !== undefined);
  if (ft) {
    throwIfCancelled(ctx);
    say('== Limits in production (export, latency, truncation, calibration)');
    const t0 = Date.now();
    try {
      limits = await buildLimits({
        title: ftTitle,
        runDir: ft.runDir,
        texts,
        tokenizer: starterTokenizer().tokenizer,
        modelLimit: USE_LITE_MAX_TOKENS,
        exportDir: join(opts.out, 'export'),
        timed: opts.quick ? 10 : 30,
        ...(ftShift && domainShift ? { outOfDomain: { data: domainShift.data, n: domainShift.n, accuracy: ftShift.accuracy! } } : {}),
      });
      say(`   measured in ${((Date.now() - t0) / 1000).toFixed(0)} s${limits.servingError ? ` (serving not measured: ${limits.servingError})` : ''}`);
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      notes.push(`Limits in production: not measured — ${msg}`);
      say(`   not measured: ${msg}`);
    }
  }
  const report = buildReport(reportRuns, texts, notes, limits, domainShift);
  const md = reportMarkdown(report);
  const reportJson = join(opts.out, 'report.json');
  const reportMd = join(opts.out, 'report.md');
  writeJsonAtomic(reportJson, report);
  writeFileAtomic(reportMd, md);
  const summary = report.models.map((m) => `${m.title}: ${m.accuracy === undefined ? m.status : `${pct(m.accuracy)}`}`).join('\n');
  return { reportMarkdown: reportMd, reportJson, runs, summary };
}
