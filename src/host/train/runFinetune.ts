// The fine-tuning loop around the engine's Trainer: epochs of shuffled batches (the order is a function of
// seed and epoch only, so a resumed run skips exactly the steps already done), evaluation on validation every
// epoch or every N steps, the best checkpoint by the chosen metric, early stopping, cancel (save, then stop),
// resume from the last checkpoint, and the final test evaluation with the best checkpoint.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainerWorker } from '../../engine';
import { isFineTuneKind, type EvalMetrics, type MetricRecord, type RunResult, type TrainConfig, type TrainParams } from '../../protocol';
import { mixSeed, permutation } from '../../shared/prng';
import { packageVersions } from '../info';
import {
  attachRun,
  CancelledError,
  DEFAULT_SPLIT,
  evalSummary,
  predictionRecords,
  prepareData,
  runJob,
  warningsField,
  type JobContext,
  type PreparedData,
} from '../core';
import { RunFolder, shareFile, writeJsonAtomic, LineAppender } from '../runs';
import { CHECKPOINT_BEST, CHECKPOINT_LAST, RUN_FILES, TRAINER_CHECKPOINT } from '../../shared/runLayout';
import { SettingError, changedSettings, RESUMABLE, shown, type SettingKey } from '../../shared/settings';
import { finetuneRunConfig, improves, resolveEvalEvery, resolveTrainConfig } from './config';
import { checkExecutionFits, fallbackWarning, resolveExecution, type Execution } from './device';
import { documentProbs, metricsOf, type EncodedSet } from './evaluate';
import { loadTrainableModel, type TrainableModel } from './model';
import { computeSaliency, SALIENCY_FILE, type SaliencyInput } from './saliency';
import { readsPackedPieces } from './docPool';
import { buildTraining, checkTrainingSettings, trainBatchAt } from './setup';

/** Saved beside the trainer's checkpoint: where in the schedule it was taken. */
export interface LoopState {
  /** Epoch to continue in and the number of its optimizer steps already done. */
  epoch: number;
  batchInEpoch: number;
  step: number;
  best?: { step: number; epoch: number; value: number; metrics: MetricRecord & { type: 'eval' } };
  evalsWithoutImprovement: number;
  stopped: boolean;
  /** Where early stopping ended training (absent when it ran all its steps). */
  stoppedAt?: { step: number; epoch: number };
}

const STATE = 'loop-state.json';
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): number[] {
  return shuffle ? permutation(n, mixSeed(seed, epoch)) : Array.from({ length: n }, (_, i) => i);
}

/** On resume, drops metric lines written after the checkpoint (those steps are run again). */
function truncateMetrics(run: RunFolder, step: number): void {
  const kept = run.readMetrics().filter((r) => r.step <= step);
  const tmp = join(run.dir, `.${RUN_FILES.metrics}.resume`);
  const out = new LineAppender(tmp);
  for (const r of kept) out.appendJson(r);
  out.close();
  renameSync(tmp, join(run.dir, RUN_FILES.metrics));
}

/** The device and threads as recorded in run.json's config. */
export function executionRecord(e: Execution): Record<string, unknown> {
  return {
    requested: e.requested,
    device: e.device,
    providers: e.providers,
    // which trainer executes the steps (engine/devices/deviceTrainer.ts on any device but the cpu) and on what adapter
    trainer: e.device === 'cpu' ? 'host' : 'device',
    ...(e.adapter ? { adapter: e.adapter } : {}),
    threads: e.threads,
    threadsFrom: e.threadsFrom,
    ...(Object.keys(e.reasons).length ? { reasons: e.reasons } : {}),
    fallback: e.fallback,
  };
}

/**
 * The settings of a resumed run: its own, except those a resume may change (more epochs); any other setting given
 * with a different value is refused with one line rather than ignored.
 */
export function resumedConfig(saved: TrainConfig, given: Partial<TrainConfig>): TrainConfig {
  const changed = changedSettings(saved, given);
  const fixed = changed.filter((k) => !RESUMABLE.includes(k));
  if (fixed.length) {
    const was = (k: SettingKey) => `${shown(saved[k as keyof TrainConfig])}`;
    throw new SettingError(
      fixed,
      (name) =>
        `a resumed run keeps its settings: ${fixed.map((k) => `${name(k)} (the run has ${was(k)})`).join(', ')} cannot change; only ${RESUMABLE.map(name).join(', ')} can (start a new run for other settings)`,
    );
  }
  const c = resolveTrainConfig({ ...saved, ...(given.epochs !== undefined ? { epochs: given.epochs } : {}) });
  if (c.epochs < saved.epochs)
    throw new SettingError(['epochs'], (name) => `${name('epochs')} can only grow when a run resumes (the run has ${saved.epochs}, got ${c.epochs})`);
  return c;
}

/**
 * The model (resolved, its config and tokenizer read; the trainer's worker thread reads the weights itself, see
 * setup.ts) after the settings are checked against it and the data: a bad model folder or hub id, a missing
 * tokenizer or an impossible setting is an error before any run folder is made.
 */
async function preflight(model: string, c: TrainConfig, data: PreparedData): Promise<TrainableModel> {
  const m = await loadTrainableModel(model, data.labels.length, c.seed, { weights: false });
  checkTrainingSettings(m, c, data);
  return m;
}

export async function runFinetune(params: TrainParams, ctx: JobContext = {}): Promise<RunResult> {
  let run: RunFolder;
  let c: TrainConfig;
  let data: PreparedData;
  let state: LoopState = { epoch: 0, batchInEpoch: 0, step: 0, evalsWithoutImprovement: 0, stopped: false };
  let exec: Execution;
  let m: TrainableModel;
  if (params.resumeRunDir) {
    run = RunFolder.open(params.resumeRunDir);
    if (!isFineTuneKind(run.manifest.kind)) throw new Error(`${params.resumeRunDir} is a ${run.manifest.kind} run; only fine-tuning runs resume`);
    const saved = finetuneRunConfig(run);
    // A completed run that was never tested (a search's trial) may continue to more epochs; a tested one may not.
    const more = params.config.epochs !== undefined && params.config.epochs > saved.epochs;
    if (run.manifest.status === 'completed' && !(more && run.manifest.testSkipped)) throw new Error(`run ${run.id} is already completed; nothing to resume`);
    const statePath = join(run.checkpointDir(CHECKPOINT_LAST), STATE);
    if (!existsSync(statePath)) throw new Error(`run ${run.id} has no last checkpoint to resume from; start a new run`);
    state = JSON.parse(readFileSync(statePath, 'utf8')) as LoopState;
    c = resumedConfig(saved, params.config);
    params = { ...saved.data, ...params, model: saved.data.model, config: c };
    data = prepareData(params);
    if (data.ref.hash !== run.manifest.dataset?.hash || data.ref.splitHash !== run.manifest.dataset?.splitHash) {
      throw new Error(`the data of run ${run.id} changed since it started (dataset or split hash differs); start a new run`);
    }
    // A resumed run may continue on another device or thread count (checkpoints are device-independent).
    exec = await resolveExecution(params);
    checkExecutionFits(exec, c);
    m = await preflight(params.model, c, data);
    truncateMetrics(run, state.step);
    run.update({
      status: 'running',
      hostPid: process.pid,
      error: undefined,
      logTail: undefined,
      endedAt: undefined,
      device: exec.summary,
      config: { ...run.manifest.config, epochs: c.epochs, execution: executionRecord(exec) },
    });
    if (c.epochs !== saved.epochs)
      run.log(`epochs ${saved.epochs} -> ${c.epochs}: the run continues to the new total (its learning-rate schedule stretched to it)`);
    run.log(`resuming at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch})`);
  } else {
    c = resolveTrainConfig(params.config);
    data = prepareData(params);
    exec = await resolveExecution(params);
    checkExecutionFits(exec, c);
    // Everything checkable (model, tokenizer, data, settings) is checked before the run folder exists.
    m = await preflight(params.model, c, data);
    run = RunFolder.create(
      params.runsRoot,
      {
        kind: c.trainLayers === 'head' ? 'head-only' : 'finetune',
        id: params.runId,
        config: {
          ...c,
          data: { data: params.data, trainFile: params.trainFile, evalFile: params.evalFile, split: params.split ?? DEFAULT_SPLIT, model: params.model },
          execution: executionRecord(exec),
        },
        dataset: data.ref,
        ...warningsField(data.warnings),
        seed: c.seed,
        ...(params.skipTest ? { testSkipped: true } : {}),
        ...(params.search ? { search: params.search } : {}),
        packages: packageVersions(),
        device: exec.summary,
      },
      data.splitManifest,
    );
  }
  // logs the data's warnings recorded in run.json
  const progress = attachRun(run, ctx);
  run.log(`device ${exec.summary}`);
  const fallback = fallbackWarning(exec);
  if (fallback) run.log(`warning: ${fallback}`);
  let trainer: TrainerWorker | undefined;
  let setupToClose: { close(): void } | undefined;
  const r = await runJob(run, async () => {
    progress({ phase: 'loading', step: 0, total: 1 });
    // exportRun (src/host/export) reads config.modelDir to find a hub model's folder again.
    if (!params.resumeRunDir) run.update({ model: m.ref, config: { ...run.manifest.config, ...(m.source !== 'starter' ? { modelDir: m.source } : {}) } });
    progress({ phase: 'tokenizing', step: 0, total: 1 });
    const setup = await buildTraining(m, c, data, exec, (l) => run.log(l));
    const { byDoc, stepsPerEpoch, totalSteps, evalLongText, maxLength, validation, test } = setup;
    const evalEvery = resolveEvalEvery(c, stepsPerEpoch);
    trainer = setup.trainer;
    setupToClose = setup;
    const tr = trainer;
    if (params.resumeRunDir) await tr.loadCheckpoint(run.checkpointDir(CHECKPOINT_LAST));
    const k = data.labels.length;
    const logitsOf = setup.logitsOf;

    // True from saving the best checkpoint until the next training step: the trainer still holds exactly the weights,
    // moments and counters in checkpoints/best, and 'last' shares its file instead of writing a second copy (for the
    // starter model a checkpoint is 51-84 MB by what is trained, and every trial of a search saves both).
    let bestIsCurrent = false;
    const saveLast = async () => {
      await run.saveCheckpoint(CHECKPOINT_LAST, async (dir) => {
        const shared = bestIsCurrent && shareFile(join(run.checkpointDir(CHECKPOINT_BEST), TRAINER_CHECKPOINT), join(dir, TRAINER_CHECKPOINT));
        if (!shared) await tr.saveCheckpoint(dir);
        writeJsonAtomic(join(dir, STATE), state);
      });
    };
    const evaluateValidation = async (epochFloat: number) => {
      if (!validation) return;
      progress({ phase: 'evaluating', step: 0, total: validation.batches.length });
      const probs = await documentProbs(validation, k, logitsOf, async (done, total) => {
        progress({ phase: 'evaluating', step: done, total });
        await yieldToLoop();
      });
      const met = metricsOf(validation, probs, data.labels, c.seed);
      const record = {
        type: 'eval' as const,
        step: state.step,
        epoch: epochFloat,
        split: 'validation' as const,
        metrics: evalSummary(met, met.logLoss),
        time: new Date().toISOString(),
      };
      run.metric(record);
      const value = c.bestMetric === 'loss' ? met.logLoss : c.bestMetric === 'macroF1' ? met.macroF1 : met.accuracy;
      run.log(`step ${state.step}: validation accuracy ${met.accuracy.toFixed(4)}, loss ${met.logLoss.toFixed(4)}`);
      if (improves(c.bestMetric, value, state.best?.value)) {
        state.best = { step: state.step, epoch: epochFloat, value, metrics: record };
        state.evalsWithoutImprovement = 0;
        await run.saveCheckpoint(CHECKPOINT_BEST, (dir) => tr.saveCheckpoint(dir).then(() => undefined));
        bestIsCurrent = true;
        run.update({ best: { step: state.step, epoch: epochFloat, metric: c.bestMetric, value } });
      } else {
        state.evalsWithoutImprovement++;
        if (c.patience > 0 && state.evalsWithoutImprovement >= c.patience) {
          state.stopped = true;
          state.stoppedAt = { step: state.step, epoch: epochFloat };
          run.log(
            `early stopping at step ${state.step} of ${totalSteps}: no better validation ${c.bestMetric} in ${c.patience} evaluations; the best checkpoint (step ${state.best?.step ?? '-'}) is the final model`,
          );
        }
      }
    };

    const t0 = Date.now();
    let stepsThisSession = 0;
    let samplesThisSession = 0;
    for (; state.epoch < c.epochs && !state.stopped; state.epoch++, state.batchInEpoch = 0) {
      const order = epochOrder(byDoc?.length ?? setup.rows.length, c.seed, state.epoch, c.shuffle);
      for (; state.batchInEpoch < stepsPerEpoch && !state.stopped;) {
        await yieldToLoop();
        if (ctx.signal?.aborted) {
          await saveLast();
          throw new CancelledError();
        }
        const next = trainBatchAt(setup, m, c, order, state.epoch, state.batchInEpoch);
        state.batchInEpoch++;
        if (!next) continue;
        const b = next.batch;
        const ts = Date.now();
        bestIsCurrent = false;
        const res = await tr.step(b);
        const ms = Date.now() - ts;
        state.step = res.step;
        stepsThisSession++;
        samplesThisSession += next.count;
        const epochFloat = state.epoch + state.batchInEpoch / stepsPerEpoch;
        if (!Number.isFinite(res.loss))
          throw new SettingError(
            ['lr', 'maxGradNorm'],
            (n) => `the loss became ${res.loss} at step ${state.step}; lower the ${n('lr')} or enable clipping (${n('maxGradNorm')} 1)`,
          );
        run.metric({
          type: 'step',
          step: state.step,
          epoch: epochFloat,
          loss: res.loss,
          lr: res.lr,
          step_ms: ms,
          grad_norm: res.gradNorm,
          time: new Date().toISOString(),
        });
        const el = (Date.now() - t0) / 1000;
        progress({
          phase: 'training',
          step: state.step,
          total: totalSteps,
          epoch: state.epoch + 1,
          loss: res.loss,
          lr: res.lr,
          samplesPerSec: samplesThisSession / Math.max(el, 1e-3),
          etaSec: (el / stepsThisSession) * (totalSteps - state.step),
        });
        if (typeof evalEvery === 'number' && state.step % evalEvery === 0) {
          await evaluateValidation(epochFloat);
          await saveLast();
        }
      }
      if (evalEvery === 'epoch' && !state.stopped) {
        state.batchInEpoch = stepsPerEpoch;
        await evaluateValidation(state.epoch + 1);
      }
      if (!state.stopped) {
        // The next session starts at the next epoch.
        const snapshot = { ...state };
        state = { ...state, epoch: state.epoch + 1, batchInEpoch: 0 };
        await saveLast();
        state = snapshot;
      }
    }
    // Every-N-steps evaluation: make sure the final weights were evaluated too.
    if (typeof evalEvery === 'number' && !state.stopped && state.step % evalEvery !== 0) await evaluateValidation(c.epochs);
    // Without validation data, the last weights are the final model.
    if (!state.best) await run.saveCheckpoint(CHECKPOINT_BEST, (dir) => tr.saveCheckpoint(dir).then(() => undefined));
    else await tr.loadCheckpoint(run.checkpointDir(CHECKPOINT_BEST));
    // how training ended and which weights are the final model (tested and exported: checkpoints/best)
    run.update({
      stop: {
        early: Boolean(state.stoppedAt),
        step: state.stoppedAt?.step ?? state.step,
        plannedSteps: totalSteps,
        restoredStep: state.best?.step ?? state.step,
      },
    });
    let testMetrics: EvalMetrics | undefined;
    // A search's trial is judged on validation only: its test set stays unread (run.json: testSkipped).
    if (test && !run.manifest.testSkipped) {
      const probs = await documentProbs(test, k, logitsOf, async (done, total) => {
        progress({ phase: 'evaluating', step: done, total });
        await yieldToLoop();
      });
      testMetrics = await recordTestResults(
        run,
        { trainer: tr, model: m, strategy: evalLongText, maxLength },
        { test, probs, labels: data.labels, seed: c.seed },
        { step: state.best?.step ?? state.step, epoch: state.best?.epoch ?? state.epoch },
      );
      run.log(
        `test (best checkpoint, step ${state.best?.step ?? state.step}): accuracy ${testMetrics.accuracy.toFixed(4)} (95% CI ${testMetrics.accuracyCI.map((v) => v.toFixed(4)).join('-')})`,
      );
    }
    run.update({ test: testMetrics });
    progress({ phase: 'done', step: 1, total: 1 });
    return testMetrics;
  });
  await trainer?.dispose();
  setupToClose?.close();
  return { runId: run.id, runDir: run.dir, kind: run.manifest.kind, status: r.status, test: r.value, error: r.error, warnings: run.manifest.warnings };
}

/**
 * A run's test results: the metrics, their eval record in metrics.jsonl, predictions.jsonl, and saliency.jsonl
 * (explanations are a by-product: a failure is logged and the run still completes). Fine-tuning and gft import.
 */
export async function recordTestResults(
  run: RunFolder,
  reader: { trainer: SaliencyInput['trainer']; model: TrainableModel; strategy: SaliencyInput['strategy']; maxLength: number },
  set: { test: EncodedSet; probs: number[][]; labels: string[]; seed: number },
  at: { step: number; epoch: number },
): Promise<EvalMetrics> {
  const met = metricsOf(set.test, set.probs, set.labels, set.seed);
  run.metric({ type: 'eval', step: at.step, epoch: at.epoch, split: 'test', metrics: evalSummary(met, met.logLoss), time: new Date().toISOString() });
  run.writePredictions(predictionRecords(set.test.examples, set.probs, 'test'));
  try {
    const sal = await computeSaliency({
      trainer: reader.trainer,
      tokenizer: reader.model.tokenizer,
      source: reader.model.source,
      packedPieces: readsPackedPieces(reader.model.model),
      examples: set.test.examples,
      probs: set.probs,
      strategy: reader.strategy,
      maxLength: reader.maxLength,
      runDir: run.dir,
    });
    run.log(`saliency: ${sal.length} misclassified test examples explained in ${SALIENCY_FILE}`);
  } catch (e) {
    run.log(`saliency skipped: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
  return met;
}
