// The pre-flight estimate of "Fine-tune...": builds the training program the run would build (setup.ts, the same
// code path as the loop), runs one warm-up and N measured optimizer steps on real training batches on the chosen
// device, times one evaluation batch, and extrapolates the time per epoch and in all. Writes no run folder.
import type { TokenBatch } from '../tokenize';
import { tokenStats } from '../tokenize/stats';
import type { ProbeParams, ProbeResult } from '../../protocol';
import { CancelledError, type JobContext, prepareData, throwIfCancelled } from '../core';
import { resolveEvalEvery, resolveTrainConfig } from './config';
import { checkExecutionFits, fallbackWarning, resolveExecution } from './device';
import { DEFAULT_DOC_PIECES, SENTENCE_MEAN } from './docPool';
import { epochOrder } from './runFinetune';
import { loadTrainableModel } from './model';
import { buildTraining, trainBatchAt, type TrainingSetup } from './setup';
import { pct } from '../../shared/format';

/**
 * Measured steps: at most this many, and no more once PROBE_BUDGET_S has passed (at least MIN_PROBE_STEPS). The
 * first steps of a run are slower than the later ones (starter model, 2-core VM: 0.82 s falling to 0.60 s over its
 * first 8 steps), so the estimate is the mean of the later half of the measured steps.
 */
export const DEFAULT_PROBE_STEPS = 8;
export const MIN_PROBE_STEPS = 2;
export const PROBE_BUDGET_S = 20;

/**
 * The host's peak resident memory while probing. A host that ran other jobs before may have peaked higher then:
 * if the process's peak did not grow during the probe, the largest RSS sampled between steps is reported instead.
 */
class RssPeak {
  private readonly before = process.resourceUsage().maxRSS;
  private sampled = 0;
  sample(): void {
    this.sampled = Math.max(this.sampled, process.memoryUsage().rss);
  }
  mib(): number {
    this.sample();
    const after = process.resourceUsage().maxRSS;
    return after > this.before ? after / 1024 : this.sampled / 2 ** 20;
  }
}
const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Validation passes during training (per epoch, or every N steps plus the final weights) and the test pass. */
export function evaluationPasses(
  s: Pick<TrainingSetup, 'totalSteps' | 'stepsPerEpoch'> & { validation?: unknown; test?: unknown },
  c: { evalEvery: 'epoch' | 'auto' | number; epochs: number },
): { validation: number; test: number } {
  const every = resolveEvalEvery(c, s.stepsPerEpoch);
  const validation = !s.validation ? 0 : every === 'epoch' ? c.epochs : Math.ceil(s.totalSteps / every);
  return { validation, test: s.test ? 1 : 0 };
}

const tokensOf = (b: TokenBatch) => b.batch * b.seq;

export async function estimateTraining(p: ProbeParams, ctx: JobContext = {}): Promise<ProbeResult> {
  const steps = p.steps ?? DEFAULT_PROBE_STEPS;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 50)) throw new Error(`probe steps must be a whole number from 1 to 50 (got ${steps})`);
  const c = resolveTrainConfig(p.config);
  const data = prepareData(p);
  const exec = await resolveExecution(p);
  checkExecutionFits(exec, c);
  const notes: string[] = [];
  const log = (message: string) => ctx.log?.({ level: 'info', message: `probe: ${message}` });
  const fallback = fallbackWarning(exec);
  if (fallback) notes.push(fallback);
  const rss = new RssPeak();
  const t0 = performance.now();
  const m = await loadTrainableModel(p.model, data.labels.length, c.seed, { weights: false });
  throwIfCancelled(ctx);
  const setup = await buildTraining(m, c, data, exec, log);
  try {
    const setupSeconds = seconds(t0);
    const n = setup.byDoc?.length ?? setup.rows.length;
    // Real batches in the run's order: epoch 0 from its first step, continuing into epoch 1 if the data is small.
    const batchAt = (i: number) => {
      const epoch = Math.floor(i / setup.stepsPerEpoch);
      return trainBatchAt(setup, m, c, epochOrder(n, c.seed, epoch, c.shuffle), epoch, i % setup.stepsPerEpoch);
    };
    const stepTimes: number[] = [];
    let rowsPerStep = 0;
    let warmup = 0;
    const tMeasure = performance.now();
    const enough = () => stepTimes.length >= steps || (stepTimes.length >= Math.min(MIN_PROBE_STEPS, steps) && seconds(tMeasure) > PROBE_BUDGET_S);
    for (let i = 0, done = 0; !enough(); i++) {
      if (ctx.signal?.aborted) throw new CancelledError();
      // Only the short last batch of an epoch can be empty (cut to whole accumulation steps): two epochs without
      // one full batch mean the settings form no step at all.
      if (i > steps + 2 * setup.stepsPerEpoch)
        throw new Error(
          `no training step can be formed from ${n} rows with batch size ${c.batchSize} x ${c.gradAccumSteps} accumulation steps; lower the gradient accumulation`,
        );
      const next = batchAt(i);
      if (!next) continue;
      const ts = performance.now();
      const r = await setup.trainer.step(next.batch);
      const dt = seconds(ts);
      rss.sample();
      if (!Number.isFinite(r.loss)) throw new Error(`the loss became ${r.loss} in the probe; lower the learning rate or enable clipping (max grad norm 1)`);
      if (done === 0) warmup = dt;
      else {
        stepTimes.push(dt);
        rowsPerStep = Math.max(rowsPerStep, next.batch.batch);
      }
      done++;
      await new Promise<void>((r) => setImmediate(r));
    }
    const later = stepTimes.slice(Math.floor(stepTimes.length / 2));
    const secondsPerStep = later.reduce((a, b) => a + b, 0) / later.length;
    const secondsPerEpoch = secondsPerStep * setup.stepsPerEpoch;

    // Evaluation: one batch to build the program, one timed batch, scaled by the padded tokens of all passes.
    const passes = evaluationPasses(setup, c);
    let evalSeconds = 0;
    const evalSet = setup.validation ?? setup.test;
    if (evalSet && evalSet.batches.length) {
      const bs = evalSet.batches;
      await setup.logitsOf(bs.get(0));
      const probe = bs.get(Math.floor(bs.length / 2));
      const te = performance.now();
      await setup.logitsOf(probe);
      const perToken = seconds(te) / tokensOf(probe);
      rss.sample();
      const setTokens = (s: TrainingSetup['validation']) => {
        let t = 0;
        for (let i = 0; s && i < s.batches.length; i++) t += s.batches.tokens(i);
        return t;
      };
      evalSeconds = perToken * (passes.validation * setTokens(setup.validation) + passes.test * setTokens(setup.test));
    }
    const evalPasses = passes.validation + passes.test;

    notes.push(
      `measured steps: ${[warmup, ...stepTimes].map((t) => t.toFixed(2)).join(', ')} s; the estimate is the mean of the last ${later.length} (the first steps of a run are slower)`,
    );
    if (c.longText === SENTENCE_MEAN) {
      const k = c.docPieces ?? DEFAULT_DOC_PIECES;
      notes.push(
        `sentence-mean reads up to ${k} sentences per text per step (${c.batchSize} texts -> up to ${c.batchSize * k} rows of at most ${setup.maxLength} tokens); evaluation reads every sentence (${(setup.rows.length / n).toFixed(1)} per text on average)`,
      );
    } else if (c.longText === 'chunks') {
      notes.push(`chunks trains on every window: ${n} windows from ${data.train.length} texts (${(n / data.train.length).toFixed(1)} per text)`);
    } else {
      const st = tokenStats(
        m.tokenizer,
        data.train.slice(0, 500).map((e) => e.text),
        setup.maxLength,
      );
      notes.push(
        `${pct(st.truncatedShare, 0)} of training texts are longer than ${setup.maxLength} tokens; '${c.longText}' keeps ${pct(st.keptTokenShare, 0)} of the training texts' tokens (measured on the first ${st.count} texts)`,
      );
    }
    if (c.patience > 0) notes.push(`early stopping (patience ${c.patience}) may end training sooner than the total`);
    notes.push(`not included: saving checkpoints${setup.test ? ' and explaining the misclassified test texts (saliency)' : ''}, usually well under a minute`);
    notes.push('times measured on this machine now; other work running at the same time makes them longer');

    const totalSeconds = secondsPerEpoch * c.epochs + evalSeconds;
    return {
      device: exec.summary,
      deviceKind: exec.device,
      threads: exec.threads,
      measuredSteps: stepTimes.length,
      stepSeconds: stepTimes,
      secondsPerStep,
      rowsPerStep,
      stepsPerEpoch: setup.stepsPerEpoch,
      secondsPerEpoch,
      epochs: c.epochs,
      evalPasses,
      evalSeconds,
      totalSeconds,
      setupSeconds,
      peakRssMiB: rss.mib(),
      trainableParams: setup.trainableParams,
      totalParams: setup.totalParams,
      trainTexts: data.train.length,
      trainRows: setup.rows.length,
      maxLength: setup.maxLength,
      notes,
      warnings: data.warnings,
    };
  } finally {
    await setup.trainer.dispose();
    setup.close();
  }
}
