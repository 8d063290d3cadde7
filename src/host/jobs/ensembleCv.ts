// An ensemble of cross-validations (gft cv folders of the same data and folds): fold by fold, the members' fold
// runs are ensembled (./ensemble.ts, weights fit on that fold's validation set) into <dir>/fold-01, ..., then the
// folds' test predictions are pooled as gft cv pools them (cv.json, predictions.jsonl), so gft compare pairs the
// ensemble with any cross-validation of the same folds. Resumable: a completed fold ensemble is kept.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_ENSEMBLE_COMBINE, type EnsembleCombine, type PredictionRecord, type RunResult } from '../../protocol';
import { readJson, writeFileAtomic } from '../../shared/node/runFiles';
import { RUN_FILES } from '../../shared/runLayout';
import type { JobContext } from '../core';
import { RunFolder } from '../runs';
import { CV_FILE, CV_SETTINGS, foldId, poolFolds, type CvResult, type CvSummary } from './crossValidate';
import { checkMembers, runEnsemble } from './ensemble';

export interface EnsembleCvParams {
  /** The member cross-validation folders. */
  runs: string[];
  dir: string;
  name?: string;
  data?: string;
  combine?: EnsembleCombine;
  seed?: number;
}

/** The members' summaries, checked: two or more, same data, folds and method, every fold run there. */
export function checkCrossValidations(dirs: readonly string[]): CvSummary[] {
  if (dirs.length < 2) throw new Error(`an ensemble needs two or more cross-validations (got ${dirs.length}); pass --runs DIR,DIR`);
  const sums = dirs.map((d) => {
    if (!existsSync(join(d, CV_FILE)))
      throw new Error(`${d} has no ${CV_FILE}: its cross-validation is not finished; run its gft cv command again to finish it`);
    return readJson<CvSummary>(join(d, CV_FILE));
  });
  const [a] = sums;
  for (const [i, s] of sums.entries()) {
    if (s.data !== a.data || s.folds !== a.folds || s.method !== a.method)
      throw new Error(
        `cross-validations ${dirs[0]} and ${dirs[i]} differ (${a.data}, ${a.folds} ${a.method} folds / ${s.data}, ${s.folds} ${s.method} folds); ensemble cross-validations of the same data and folds`,
      );
    for (let f = 1; f <= s.folds; f++)
      if (!existsSync(join(dirs[i], foldId(f), RUN_FILES.manifest)))
        throw new Error(`${dirs[i]} has no run for fold ${f}; run its gft cv command again to finish it`);
  }
  // every fold's members share that fold's split: checked before any folder is made
  for (let f = 1; f <= a.folds; f++) checkMembers(dirs.map((d) => join(d, foldId(f))));
  return sums;
}

export async function ensembleCrossValidations(p: EnsembleCvParams, ctx: JobContext = {}): Promise<CvResult> {
  const dirs = p.runs.map((d) => resolve(d));
  const sums = checkCrossValidations(dirs);
  const settings = JSON.stringify({ kind: 'ensemble', runs: dirs, data: p.data, seed: p.seed, combine: p.combine ?? DEFAULT_ENSEMBLE_COMBINE });
  const settingsPath = join(p.dir, CV_SETTINGS);
  if (existsSync(settingsPath) && readFileSync(settingsPath, 'utf8') !== settings)
    throw new Error(`${p.dir} holds a cross-validation with other settings (${CV_SETTINGS}); choose another --out folder`);
  if (!existsSync(settingsPath) && existsSync(p.dir) && readdirSync(p.dir).length > 0)
    throw new Error(`${p.dir} already exists and is not a cross-validation folder; choose another --out folder`);
  mkdirSync(p.dir, { recursive: true });
  writeFileAtomic(settingsPath, settings);
  const k = sums[0].folds;
  const perFold: CvSummary['perFold'] = [];
  const preds: PredictionRecord[] = [];
  let labels: string[] = [];
  for (let fold = 1; fold <= k; fold++) {
    const runId = foldId(fold);
    const runDir = join(p.dir, runId);
    ctx.log?.({ level: 'info', message: `ensemble of cross-validations: fold ${fold} of ${k} (${runDir})` });
    let r: RunResult | undefined;
    if (existsSync(join(runDir, RUN_FILES.manifest))) {
      const m = RunFolder.open(runDir).manifest;
      if (m.status === 'completed') r = { runId, runDir, kind: m.kind, status: 'completed', test: m.test };
      else rmSync(runDir, { recursive: true, force: true });
    }
    r ??= await runEnsemble(
      {
        runs: dirs.map((d) => join(d, runId)),
        runsRoot: p.dir,
        runId,
        ...(p.name ? { name: `${p.name} · fold ${fold}` } : {}),
        data: p.data,
        combine: p.combine,
        seed: p.seed,
      },
      ctx,
    );
    if (r.status !== 'completed') return { status: r.status, dir: p.dir, error: `fold ${fold}: ${r.error ?? r.status}` };
    if (!r.test) throw new Error(`ensemble of cross-validations: fold ${fold} (${runDir}) completed without test metrics`);
    labels = r.test.labels;
    perFold.push({ fold, runId, n: r.test.n, accuracy: r.test.accuracy, macroF1: r.test.macroF1 });
    preds.push(...RunFolder.open(runDir).readPredictions());
  }
  const summary = poolFolds({ dir: p.dir, kind: 'ensemble', data: sums[0].data, method: sums[0].method, seed: p.seed }, perFold, preds, labels);
  return { status: 'completed', dir: p.dir, summary };
}
