// `gft demo`: built-in movie reviews and the starter model, offline. One seeded split; the TF-IDF baseline,
// the frozen-embedding baseline and fine-tuning of the starter model; then report.md + report.json.
// A step that is not available in this build (or fails) is recorded in the report rather than stopping it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BaselineParams, RunResult, TrainParams } from '../../protocol';
import { loadBuiltin } from '../data';
import { CancelledError, throwIfCancelled, type JobContext } from '../jobs/context';
import { DEFAULT_SPLIT } from '../jobs/data';
import { jobHandlers } from '../jobs/registry';
import { writeFileAtomic, writeJsonAtomic } from '../runs/files';
import { buildReport, reportMarkdown, type ReportRun } from './report';

export interface DemoOptions {
  out: string;
  quick?: boolean;
}

export interface DemoResult {
  reportMarkdown: string;
  reportJson: string;
  runs: RunResult[];
  summary: string;
}

/** Settings of the demo's fine-tuning: sized to finish within the demo's 20 minutes on 2 CPU cores. */
export function demoTrainConfig(quick: boolean): TrainParams['config'] {
  return quick
    ? { epochs: 1, batchSize: 16, lr: 1e-4, maxLength: 128, longText: 'chunks', schedule: 'linear', warmupSteps: 5, seed: 42 }
    : { epochs: 3, batchSize: 16, lr: 5e-5, maxLength: 128, longText: 'chunks', schedule: 'linear', warmupSteps: 20, seed: 42, patience: 2 };
}

export async function runDemo(opts: DemoOptions, ctx: JobContext, say: (line: string) => void = () => undefined): Promise<DemoResult> {
  mkdirSync(opts.out, { recursive: true });
  const runsRoot = join(opts.out, 'runs');
  const split = DEFAULT_SPLIT;
  const data = { data: 'builtin:movie-reviews', split };
  const notes: string[] = [
    `Split: stratified holdout, validation ${split.validation}, test ${split.test}, seed ${split.seed}; the TF-IDF features and every model see only the training reviews.`,
  ];
  const steps: { title: string; start: () => Promise<RunResult> }[] = [
    { title: 'TF-IDF + logistic regression', start: () => jobHandlers.baseline({ kind: 'tfidf', ...data, runsRoot, seed: 42 } satisfies BaselineParams, ctx) },
    { title: 'Frozen starter embeddings + logistic regression', start: () => jobHandlers.baseline({ kind: 'embeddings', model: 'starter', ...data, runsRoot, seed: 42 } satisfies BaselineParams, ctx) },
    { title: 'Fine-tuned starter model', start: () => jobHandlers.train({ model: 'starter', ...data, runsRoot, config: demoTrainConfig(Boolean(opts.quick)) } satisfies TrainParams, ctx) },
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
      say(`   ${r.status}${r.test ? `: test accuracy ${(r.test.accuracy * 100).toFixed(1)}%` : ''}${r.error ? ` (${r.error})` : ''} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      if (r.status === 'cancelled') throw new CancelledError();
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      notes.push(`${s.title}: not run — ${msg}`);
      say(`   not run: ${msg}`);
    }
  }
  const texts = new Map(loadBuiltin('movie-reviews').examples.map((e) => [e.id, e.text]));
  const report = buildReport(reportRuns, texts, notes);
  const md = reportMarkdown(report);
  const reportJson = join(opts.out, 'report.json');
  const reportMd = join(opts.out, 'report.md');
  writeJsonAtomic(reportJson, report);
  writeFileAtomic(reportMd, md);
  const summary = report.models.map((m) => `${m.title}: ${m.accuracy === undefined ? m.status : `${(m.accuracy * 100).toFixed(1)}%`}`).join('\n');
  return { reportMarkdown: reportMd, reportJson, runs, summary };
}
