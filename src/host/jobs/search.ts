// Hyperparameter search within a time budget (gft search, the form's "Search…"): seeded configurations from the
// search space (src/shared/searchSpace.ts) trained by successive halving (searchPlan.ts): every trial one epoch,
// the best third continue from their own last checkpoint to 3 epochs, the best third of those to 9, up to the
// --epochs given. Trials are judged on the validation set only (their runs skip the test set: run.json
// testSkipped). Before planning, the time of one epoch of each distinct shape of run is probed (estimate.ts); the
// plan takes the samples its estimate fits in the budget (skipping one too slow for what is left), and no job
// starts that would end after it. Then the best configuration is trained once more from the start and tested
// once: the final run comes after the budget. The folder: search.json (this record, atomic), trial-01 ... (run
// folders), final. Resumable: the same parameters again continue (finished trials kept, an interrupted one
// resumed from its checkpoint).
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  FINAL_RUN,
  SEARCH_FILE,
  settingText,
  trialRunId,
  type RunResult,
  type SearchParams,
  type SearchRecord,
  type SearchResult,
  type SearchTrial,
  type TrainConfig,
  type TrainParams,
} from '../../protocol';
import { CancelledError, prepareData, throwIfCancelled, type JobContext, type PreparedData } from '../core';
import { readJson, RunFolder, writeJsonAtomic } from '../runs';
import { loadTrainableModel } from '../train/model';
import { checkTrainingSettings } from '../train/setup';
import { resolveTrainConfig } from '../../shared/settings';
import { describeSpace, sampleTrial, SEARCHED_KEYS, type SpaceContext } from '../../shared/searchSpace';
import { SETTINGS, type LongText } from '../../shared/settingsTable';
import { checkpointDir, runFile } from '../../shared/node/runFiles';
import { CHECKPOINT_LAST } from '../../shared/runLayout';
import { secondsDuration } from '../../shared/format';
import { bestTrial, ETA, jobSeconds, planSeconds, rungEpochs, rungMembers, rungSizes } from './searchPlan';
import { jobHandlers } from './registry';

export const DEFAULT_MAX_TRIALS = 27;
export const BUDGET_COVERS = 'the probes and the trials; the final run of the best configuration comes after the budget';
/** Samples in a row that do not fit the budget after which the plan is complete. */
const MAX_MISSES = 3;
/** Optimizer steps the probe of a shape measures after its warm-up. */
const PROBE_STEPS = 3;

const now = () => performance.now() / 1000;

/** The settings that set the time of a step: trials of one shape share one probe. */
function shapeOf(c: Partial<TrainConfig>): string {
  const { maxLength, longText, trainLayers, batchSize, gradAccumSteps, docPieces } = c;
  return JSON.stringify({ maxLength, longText, trainLayers, batchSize, gradAccumSteps, docPieces });
}

/** What the space depends on, read from the model (no weights) and the data. */
async function spaceContext(p: SearchParams, fixed: TrainConfig, data: PreparedData): Promise<SpaceContext> {
  const m = await loadTrainableModel(p.model, data.labels.length, fixed.seed, { weights: false });
  const longTexts = SETTINGS.longText.choices
    .map((c) => c.value as LongText)
    .filter((lt) => {
      try {
        checkTrainingSettings(m, { ...fixed, longText: lt }, data);
        return true;
      } catch {
        return false;
      }
    });
  return {
    numLayers: m.model.numLayers,
    maxLength: Math.min(fixed.maxLength, m.tokenizer.modelMaxLength),
    longTexts,
    stepsPerEpoch: Math.max(1, Math.ceil(data.train.length / (fixed.batchSize * fixed.gradAccumSteps))),
  };
}

/** A new search's record, or the folder's (which must have been made with the same parameters). */
async function openRecord(p: SearchParams): Promise<{ rec: SearchRecord; ctx: SpaceContext; searched: typeof SEARCHED_KEYS }> {
  if (p.trainFile)
    throw new Error('a search judges its trials on a validation set apart from the test set: give a dataset to split (data), not train/eval files');
  if (!(p.budgetMinutes > 0)) throw new Error(`the budget must be a number of minutes > 0 (got ${p.budgetMinutes})`);
  const settings: SearchRecord['settings'] = {
    model: p.model,
    data: p.data,
    ...(p.split ? { split: p.split } : {}),
    budgetMinutes: p.budgetMinutes,
    seed: p.seed ?? 0,
    maxTrials: p.maxTrials ?? DEFAULT_MAX_TRIALS,
    config: p.config,
  };
  const file = join(p.dir, SEARCH_FILE);
  const saved = existsSync(file) ? readJson<SearchRecord>(file) : undefined;
  if (saved && JSON.stringify(saved.settings) !== JSON.stringify(settings))
    throw new Error(`${p.dir} holds a search with other settings (${SEARCH_FILE}); give the same options to continue it, or another folder`);
  if (!saved && existsSync(p.dir) && readdirSync(p.dir).length > 0)
    throw new Error(`${p.dir} already exists and is not a search folder; choose another folder`);
  // Settings given are fixed; the searched ones are the space's others. Trials validate once per epoch unless told.
  const searched = SEARCHED_KEYS.filter((k) => p.config[k] === undefined);
  const fixedAll = resolveTrainConfig({ evalEvery: 'epoch', ...p.config });
  const data = prepareData(p);
  if (data.validation.length === 0) throw new Error('a search needs a validation set to judge its trials: give a validation fraction > 0 (split)');
  const ctx = await spaceContext(p, fixedAll, data);
  if (saved) return { rec: saved, ctx, searched };
  const fixed: Partial<TrainConfig> = { ...fixedAll };
  for (const k of searched) delete fixed[k];
  const rec: SearchRecord = {
    settings,
    space: describeSpace(ctx, searched),
    fixed,
    metric: fixedAll.bestMetric,
    rungs: rungEpochs(fixedAll.epochs),
    eta: ETA,
    budget: { seconds: p.budgetMinutes * 60, covers: BUDGET_COVERS },
    probes: {},
    trials: [],
    spentSeconds: 0,
    status: 'running',
  };
  mkdirSync(p.dir, { recursive: true });
  return { rec, ctx, searched };
}

export async function runSearch(p: SearchParams, ctx: JobContext = {}): Promise<SearchResult> {
  const { rec, ctx: space, searched } = await openRecord(p);
  const file = join(p.dir, SEARCH_FILE);
  const save = () => writeJsonAtomic(file, rec);
  const log = (message: string) => ctx.log?.({ level: 'info', message: `search: ${message}` });
  const dataSrc = { data: p.data, ...(p.split ? { split: p.split } : {}) };
  const exec = { device: p.device, threads: p.threads };
  const budget = rec.budget.seconds;
  rec.status = 'running';
  delete rec.error;
  save();
  const charge = <T>(f: () => Promise<T>) => {
    const t0 = now();
    return f().finally(() => {
      rec.spentSeconds += now() - t0;
    });
  };
  const configOf = (sampled: Partial<TrainConfig>, epochs: number): Partial<TrainConfig> => ({ ...rec.fixed, ...sampled, epochs });
  try {
    // 1. The plan: trials sampled one by one (each shape probed once) while the plan's estimate fits the budget.
    if (!rec.plan) {
      const maxTrials = rec.settings.maxTrials ?? DEFAULT_MAX_TRIALS;
      rec.trials = [];
      rec.skipped = [];
      for (let i = 1, misses = 0; rec.trials.length < maxTrials && misses < MAX_MISSES; i++) {
        throwIfCancelled(ctx);
        const sampled = sampleTrial(rec.settings.seed ?? 0, i, space, searched);
        const shape = shapeOf({ ...rec.fixed, ...sampled });
        if (!rec.probes[shape]) {
          const c = { ...rec.fixed, ...sampled };
          log(
            `probing the time of an epoch like sample ${i}: ${(['maxLength', 'longText', 'trainLayers'] as const).map((k) => settingText(k, c[k])).join(', ')}`,
          );
          const r = await charge(() =>
            jobHandlers.probe({ ...dataSrc, model: p.model, config: { ...configOf(sampled, 1), evalEvery: 'epoch' }, steps: PROBE_STEPS, ...exec }, ctx),
          );
          rec.probes[shape] = { epochSeconds: r.secondsPerEpoch + r.evalSeconds / Math.max(1, r.evalPasses), setupSeconds: r.setupSeconds };
          save();
        }
        const n = rec.trials.length + 1;
        const trial: SearchTrial = { trial: n, sample: i, runId: trialRunId(n), sampled, estimate: { ...rec.probes[shape], shape }, rungs: [] };
        const estimate = planSeconds(
          [...rec.trials, trial].map((t) => t.estimate),
          rec.rungs,
        );
        // A sample too slow for what is left is skipped (recorded); MAX_MISSES in a row end the plan.
        if (rec.spentSeconds + estimate > budget) {
          misses++;
          rec.skipped.push({ sample: i, sampled, estimatedSeconds: jobSeconds(trial.estimate, 0, rec.rungs[0]) });
          continue;
        }
        misses = 0;
        rec.trials.push(trial);
      }
      // Probes after a trial was taken spent budget too: the last trials go while the plan no longer fits.
      while (
        rec.trials.length &&
        rec.spentSeconds +
          planSeconds(
            rec.trials.map((t) => t.estimate),
            rec.rungs,
          ) >
          budget
      ) {
        const t = rec.trials.pop()!;
        rec.skipped.push({ sample: t.sample, sampled: t.sampled, estimatedSeconds: jobSeconds(t.estimate, 0, rec.rungs[0]) });
      }
      const n = rec.trials.length;
      const estimatedSeconds = n
        ? planSeconds(
            rec.trials.map((t) => t.estimate),
            rec.rungs,
          )
        : 0;
      rec.plan = { trials: n, rungSizes: rungSizes(n, rec.rungs.length), estimatedSeconds };
      save();
      if (n === 0) {
        const one = Object.values(rec.probes)[0];
        throw new Error(
          `the budget of ${p.budgetMinutes} min fits no trial (one epoch of the first takes about ${secondsDuration(one ? jobSeconds(one, 0, rec.rungs[0]) : 0)} by the probe, after ${secondsDuration(rec.spentSeconds)} of probing); raise the budget`,
        );
      }
      log(
        `${n} trials, rungs of ${rec.rungs.join(', ')} epochs keeping ${rec.plan.rungSizes.join(', ')}; about ${secondsDuration(estimatedSeconds)} by the probes`,
      );
    }
    // 2. Successive halving: each rung's members continue from their own checkpoint to the rung's epochs.
    rungs: for (let r = 0; r < rec.plan.rungSizes.length; r++) {
      const members = rungMembers(rec, r);
      for (const [i, t] of members.entries()) {
        if (t.rungs[r]?.status === 'completed') continue;
        const from = r === 0 ? 0 : rec.rungs[r - 1];
        const to = rec.rungs[r];
        const est = jobSeconds(t.estimate, from, to);
        if (rec.spentSeconds + est > budget) {
          rec.stopReason = `budget: ${t.runId} to ${to} epochs (about ${secondsDuration(est)}) would end after the budget (${secondsDuration(rec.spentSeconds)} of ${secondsDuration(budget)} spent)`;
          log(`stopped: ${rec.stopReason}`);
          break rungs;
        }
        throwIfCancelled(ctx);
        log(
          `rung ${r + 1} of ${rec.plan.rungSizes.length}, trial ${i + 1} of ${members.length} (${t.runId}, ${to} epoch${to === 1 ? '' : 's'}; about ${secondsDuration(est)})`,
        );
        t.rungs[r] = { epochs: to, status: 'running', estimatedSeconds: est };
        save();
        const t0 = now();
        // the trial's progress says which trial and rung it is (the CLI's bar, the extension's notification)
        const detail = `${t.runId} · rung ${r + 1}/${rec.plan.rungSizes.length}`;
        const res = await charge(() => trainTrial(p, rec, t, to, { ...ctx, progress: (x) => ctx.progress?.({ ...x, detail }) }));
        const run = RunFolder.open(join(p.dir, t.runId)).manifest;
        t.rungs[r] = { epochs: to, status: res.status, value: run.best?.value, seconds: now() - t0, estimatedSeconds: est };
        if (res.error) t.error = res.error;
        save();
        if (res.status === 'cancelled') throw new CancelledError();
      }
    }
    // 3. The best configuration, trained again from the start and tested once (after the budget).
    const best = bestTrial(rec);
    if (!best) throw new Error(`no trial completed (${rec.trials.map((t) => `${t.runId}: ${t.error ?? t.rungs[0]?.status ?? 'not started'}`).join('; ')})`);
    rec.best = { trial: best.trial.trial, runId: best.trial.runId, value: best.value, epochs: best.epochs, config: configOf(best.trial.sampled, best.epochs) };
    save();
    log(
      `best: ${best.trial.runId} (validation ${rec.metric} ${best.value.toFixed(4)} at ${best.epochs} epoch${best.epochs === 1 ? '' : 's'}); the final run trains it again and tests it once`,
    );
    const fin = await trainRun(
      join(p.dir, FINAL_RUN),
      { ...dataSrc, model: p.model, runsRoot: p.dir, runId: FINAL_RUN, config: rec.best.config, ...exec },
      ctx,
      {
        id: basename(p.dir),
        trial: 'final',
      },
    );
    const t = fin.test;
    rec.final = {
      runId: FINAL_RUN,
      status: fin.status,
      ...(t ? { test: { accuracy: t.accuracy, accuracyCI: t.accuracyCI, macroF1: t.macroF1, n: t.n } } : {}),
    };
    if (fin.status === 'cancelled') throw new CancelledError();
    if (fin.status !== 'completed') throw new Error(`the final run failed: ${fin.error ?? fin.status}`);
    rec.status = 'completed';
  } catch (err) {
    if (err instanceof CancelledError) {
      rec.status = 'cancelled';
      rec.stopReason = 'cancelled: finished trials are kept; run the same command again to continue';
    } else {
      rec.status = 'failed';
      rec.error = (err as Error).message.split('\n')[0];
    }
  }
  save();
  return { status: rec.status, dir: p.dir, record: rec, ...(rec.error ? { error: rec.error } : {}) };
}

/** Trains trial `t` to `epochs`: a new run, or its own run continued from its last checkpoint. */
function trainTrial(p: SearchParams, rec: SearchRecord, t: SearchTrial, epochs: number, ctx: JobContext): Promise<RunResult> {
  const params: TrainParams = {
    data: p.data,
    ...(p.split ? { split: p.split } : {}),
    model: p.model,
    runsRoot: p.dir,
    runId: t.runId,
    config: { ...rec.fixed, ...t.sampled, epochs },
    skipTest: true,
    device: p.device,
    threads: p.threads,
  };
  return trainRun(join(p.dir, t.runId), params, ctx, { id: basename(p.dir), trial: t.trial });
}

/** A run to `params.config.epochs`: kept when done, continued from its last checkpoint, else (re)started. */
async function trainRun(runDir: string, params: TrainParams, ctx: JobContext, search: NonNullable<TrainParams['search']>): Promise<RunResult> {
  const epochs = params.config.epochs!;
  if (existsSync(runFile(runDir, 'manifest'))) {
    const m = RunFolder.open(runDir).manifest;
    const had = typeof m.config.epochs === 'number' ? m.config.epochs : 0;
    if (m.status === 'completed' && had >= epochs) return { runId: m.id, runDir, kind: m.kind, status: 'completed', test: m.test };
    if (existsSync(join(checkpointDir(runDir, CHECKPOINT_LAST), 'loop-state.json')))
      return jobHandlers.train(
        { model: params.model, runsRoot: params.runsRoot, config: { epochs }, resumeRunDir: runDir, device: params.device, threads: params.threads },
        ctx,
      );
    // interrupted before its first checkpoint: nothing to keep
    rmSync(runDir, { recursive: true, force: true });
  }
  return jobHandlers.train({ ...params, search }, ctx);
}
