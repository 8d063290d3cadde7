// An ensemble of completed runs of one split as a run of its own (kind 'ensemble'): each member's validation
// probabilities come from its predictor (the split's validation texts), the weights are fit on them alone
// (../eval/ensembleWeights.ts), and the test probabilities pool the members' test predictions with those weights
// (a weighted average of their log-probabilities with a temperature, or of their probabilities: params.combine). The folder is an ordinary run folder (run.json with the members and their weights, split.json,
// metrics.jsonl, predictions.jsonl, checkpoints/best/ensemble.json), so compare, reflect, the results panel, the
// mistakes browser, predict and eval take it like any other run.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { DataSource, EnsembleParams, EvalMetrics, PredictionRecord, RunResult } from '../../protocol';
import { DEFAULT_ENSEMBLE_COMBINE, runName } from '../../protocol';
import { evaluatePredictions } from '../eval';
import { isBuiltin } from '../data';
import { fitEnsembleWeights, poolProbs, scoreWeights } from '../eval/ensembleWeights';
import { RunFolder } from '../runs';
import { attachRun, DEFAULT_SPLIT, evalSummary, predictionRecords, prepareData, runJob, throwIfCancelled, warningsField, type JobContext } from '../core';
import { deviceName, packageVersions } from '../info';
import { readJson, writeJsonAtomic } from '../../shared/node/runFiles';
import { CHECKPOINT_BEST, RUN_FILES } from '../../shared/runLayout';
import { ENSEMBLE_FILE, loadPredictor, type EnsembleMember } from './predict';

export type { EnsembleMember };

export interface CheckedMembers {
  runs: RunFolder[];
  /** Each member's test predictions, in the first member's order of ids. */
  test: PredictionRecord[][];
  /** The split manifest the members share (split.json), when their data was split by gft. */
  split?: { sha256: string };
}

const testPredictions = (run: RunFolder) => run.readPredictions().filter((p) => (p.split ?? 'test') === 'test');

/**
 * The checks made before an ensemble's folder exists, each a one-line error naming the fix: two or more members,
 * all completed, one split (split.json's hash), the same test ids with the same labels, the same label names.
 */
export function checkMembers(dirs: readonly string[]): CheckedMembers {
  if (dirs.length < 2) throw new Error(`an ensemble needs two or more runs (got ${dirs.length}); pass --runs DIR,DIR`);
  const abs = dirs.map((d) => resolve(d));
  const dup = abs.find((d, i) => abs.indexOf(d) !== i);
  if (dup) throw new Error(`run ${dup} is given twice; pass each member once`);
  const runs = abs.map((d) => RunFolder.open(d));
  for (const r of runs)
    if (r.manifest.status !== 'completed')
      throw new Error(`run ${r.id} is ${r.manifest.status}, not completed; ensemble completed runs (wait for it, or resume it)`);
  const first = runs[0];
  const splitOf = (r: RunFolder) => {
    const p = join(r.dir, RUN_FILES.split);
    return existsSync(p) ? readJson<{ sha256: string }>(p) : undefined;
  };
  const split = splitOf(first);
  const labels = first.manifest.dataset?.labels ?? [];
  for (const r of runs.slice(1)) {
    const s = splitOf(r);
    const same = split && s ? s.sha256 === split.sha256 : !split && !s && r.manifest.dataset?.splitHash === first.manifest.dataset?.splitHash;
    if (!same) throw new Error(`runs ${first.id} and ${r.id} were made on different splits (split.json differs); ensemble runs of the same data and split`);
    if (JSON.stringify(r.manifest.dataset?.labels ?? []) !== JSON.stringify(labels))
      throw new Error(
        `runs ${first.id} and ${r.id} have different labels (${labels.join(', ')} / ${(r.manifest.dataset?.labels ?? []).join(', ')}); ensemble runs of the same data`,
      );
  }
  const preds = runs.map(testPredictions);
  for (const [i, p] of preds.entries()) if (p.length === 0) throw new Error(`run ${runs[i].id} has no test predictions; ensemble runs evaluated on a test set`);
  const order = preds[0].map((p) => p.id);
  const test = preds.map((p, i) => {
    const byId = new Map(p.map((x) => [x.id, x]));
    if (byId.size !== p.length || p.length !== order.length)
      throw new Error(`runs ${first.id} and ${runs[i].id} have ${order.length} and ${p.length} test predictions; ensemble runs tested on the same examples`);
    return order.map((id, j) => {
      const x = byId.get(id);
      if (!x) throw new Error(`test example '${id}' of run ${first.id} is missing from run ${runs[i].id}; ensemble runs tested on the same examples`);
      if (x.label !== preds[0][j].label)
        throw new Error(
          `test example '${id}' has label ${preds[0][j].label} in run ${first.id} and ${x.label} in run ${runs[i].id}; ensemble runs of the same data`,
        );
      return x;
    });
  });
  return { runs, test, ...(split ? { split } : {}) };
}

/** Where a member's data came from: its run.json (config.data), a built-in dataset's id, or `data` given. */
export function memberSource(run: RunFolder, data?: string): DataSource {
  const c = run.manifest.config as { data?: unknown; split?: unknown };
  const split = (typeof c.split === 'object' && c.split !== null ? c.split : undefined) as DataSource['split'];
  if (data) return { data, split };
  const saved = typeof c.data === 'object' && c.data !== null ? (c.data as DataSource) : undefined;
  if (saved && (saved.data || saved.trainFile)) return { data: saved.data, trainFile: saved.trainFile, evalFile: saved.evalFile, split: saved.split ?? split };
  const id = run.manifest.dataset?.id;
  if (id && isBuiltin(id)) return { data: `builtin:${id}`, split };
  throw new Error(`run ${run.id}'s run.json does not say where its data came from; pass --data SPEC (the data it was trained on)`);
}

/** The validation examples of the members' split, checked against the split they recorded. */
function validationSet(checked: CheckedMembers, data?: string) {
  const run = checked.runs[0];
  const src = memberSource(run, data);
  if (src.trainFile)
    throw new Error(
      `run ${run.id} used --train/--eval files, whose eval file is both validation and test; ensemble weights need a validation set apart from the test set: use runs made with --data`,
    );
  const prepared = prepareData(src);
  if (run.manifest.dataset?.splitHash && prepared.ref.splitHash !== run.manifest.dataset.splitHash)
    throw new Error(`the data of run ${run.id} is not the data it was split from (the split hash differs); pass --data SPEC with the data it was trained on`);
  if (prepared.validation.length === 0)
    throw new Error(`the split of run ${run.id} has no validation set to fit the weights on; ensemble runs of a split with validation`);
  return { src, prepared };
}

/** Every check of an ensemble's members and data, without making anything (the CLI's bad-input check). */
export function checkEnsemble(p: Pick<EnsembleParams, 'runs' | 'data'>): void {
  validationSet(checkMembers(p.runs), p.data);
}

export async function runEnsemble(p: EnsembleParams, ctx: JobContext = {}): Promise<RunResult> {
  const seed = p.seed ?? 42;
  const checked = checkMembers(p.runs);
  const { src, prepared } = validationSet(checked, p.data);
  const first = checked.runs[0];
  const labels = first.manifest.dataset?.labels ?? prepared.labels;
  const memberInfo = checked.runs.map((r) => ({ id: r.id, name: runName(r.manifest), kind: r.manifest.kind, dir: r.dir }));
  const run = RunFolder.create(
    p.runsRoot,
    {
      kind: 'ensemble',
      id: p.runId,
      ...(p.name ? { name: p.name } : {}),
      config: { members: memberInfo, data: src, split: src.split ?? DEFAULT_SPLIT },
      ...(first.manifest.dataset ? { dataset: first.manifest.dataset } : {}),
      ...warningsField(prepared.warnings),
      seed,
      packages: packageVersions(),
      device: deviceName(),
    },
    checked.split ? readJson(join(first.dir, RUN_FILES.split)) : undefined,
  );
  const progress = attachRun(run, ctx);
  const r = await runJob(run, async () => {
    const texts = prepared.validation.map((e) => e.text);
    const yVal = prepared.validation.map((e) => e.label);
    const valProbs: number[][][] = [];
    for (const [i, m] of checked.runs.entries()) {
      progress({ phase: 'predicting', step: i, total: checked.runs.length, detail: `validation of ${memberInfo[i].name}` });
      const pr = await loadPredictor(m.dir);
      if (JSON.stringify(pr.labels) !== JSON.stringify(labels))
        throw new Error(`run ${m.id} predicts labels ${pr.labels.join(', ')}, not ${labels.join(', ')}`);
      valProbs.push(await pr.predictProba(texts));
      throwIfCancelled(ctx);
    }
    const fit = fitEnsembleWeights(valProbs, yVal, p.combine ?? DEFAULT_ENSEMBLE_COMBINE);
    const yTest = checked.test[0].map((x) => x.label);
    const testProbs = poolProbs(
      checked.test.map((t) => t.map((x) => x.probs)),
      fit,
    );
    progress({ phase: 'evaluating', step: 0, total: 1 });
    const evalOf = (y: number[], probs: number[][]) => evaluatePredictions(y, probs, { labelNames: labels, seed });
    const valMetrics = evalOf(yVal, poolProbs(valProbs, fit));
    const test: EvalMetrics = evalOf(yTest, testProbs);
    const members: EnsembleMember[] = memberInfo.map((m, i) => {
      const v = scoreWeights([valProbs[i]], yVal, [1]);
      const t = evalOf(
        yTest,
        checked.test[i].map((x) => x.probs),
      );
      return {
        ...m,
        relDir: relative(run.dir, m.dir),
        weight: fit.weights[i],
        validation: { accuracy: v.accuracy, logLoss: -v.logLik },
        test: { accuracy: t.accuracy },
      };
    });
    for (const m of members)
      run.log(
        `member ${m.name} (${m.id}): weight ${m.weight.toFixed(2)}, validation accuracy ${m.validation.accuracy.toFixed(4)}, test accuracy ${m.test.accuracy.toFixed(4)}`,
      );
    const now = () => new Date().toISOString();
    run.metric({ type: 'eval', step: 0, epoch: 0, split: 'validation', metrics: evalSummary(valMetrics), time: now() });
    run.metric({ type: 'eval', step: 0, epoch: 0, split: 'test', metrics: evalSummary(test), time: now() });
    run.writePredictions(
      predictionRecords(
        checked.test[0].map((x) => ({ id: x.id, label: x.label, text: '' })),
        testProbs,
        'test',
      ),
    );
    const ensemble = {
      method: fit.method,
      combine: fit.combine,
      temperature: fit.temperature,
      members,
      validation: { accuracy: valMetrics.accuracy, logLoss: valMetrics.logLoss },
      n: { validation: yVal.length },
    };
    await run.saveCheckpoint(CHECKPOINT_BEST, (dir) =>
      writeJsonAtomic(join(dir, ENSEMBLE_FILE), {
        combine: fit.combine,
        temperature: fit.temperature,
        members: members.map(({ id, dir: d, relDir, weight }) => ({ id, dir: d, relDir, weight })),
      }),
    );
    run.update({ config: { ...run.manifest.config, ...ensemble }, test });
    run.log(
      `ensemble: validation accuracy ${valMetrics.accuracy.toFixed(4)}, test accuracy ${test.accuracy.toFixed(4)} (${fit.method}${fit.combine === 'logits' ? `; temperature ${fit.temperature.toFixed(3)}` : ''})`,
    );
    progress({ phase: 'done', step: 1, total: 1 });
    return test;
  });
  return { runId: run.id, runDir: run.dir, kind: 'ensemble', status: r.status, test: r.value, error: r.error, warnings: run.manifest.warnings };
}
