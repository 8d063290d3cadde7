// The long jobs the host and the CLI can run, by request.
import type { BaselineParams, EnsembleParams, ExportParams, ExportResult, ProbeParams, ProbeResult, RunResult, TrainParams } from '../../protocol';
import type { JobContext } from '../core';
import { runTfidfBaseline } from './baselineTfidf';
import { runNbsvmBaseline } from './baselineNbsvm';
import { runEmbeddingBaseline } from './baselineEmbeddings';
import { runEnsemble } from './ensemble';
import { estimateTraining, runFinetune } from '../train';
import { exportRun } from '../export';
import { join } from 'node:path';
import { pct } from '../../shared/format';

export interface JobHandlers {
  train(p: TrainParams, ctx: JobContext): Promise<RunResult>;
  /** The pre-flight estimate: a few real steps of the training program, no run folder. */
  probe(p: ProbeParams, ctx: JobContext): Promise<ProbeResult>;
  baseline(p: BaselineParams, ctx: JobContext): Promise<RunResult>;
  export(p: ExportParams): Promise<ExportResult>;
  /** An ensemble of completed runs of one split (weights fit on validation), as a run of its own. */
  ensemble(p: EnsembleParams, ctx: JobContext): Promise<RunResult>;
}

export const jobHandlers: JobHandlers = {
  train: (p, ctx) => runFinetune(p, ctx),
  probe: (p, ctx) => estimateTraining(p, ctx),
  baseline: async (p, ctx) => {
    if (p.kind === 'tfidf') return runTfidfBaseline(p, ctx);
    if (p.kind === 'nbsvm') return runNbsvmBaseline(p, ctx);
    if (p.kind === 'embeddings') return runEmbeddingBaseline(p, ctx);
    throw new Error(`unknown baseline '${p.kind}'; choose tfidf, nbsvm or embeddings`);
  },
  ensemble: (p, ctx) => runEnsemble(p, ctx),
  export: async (p) => {
    const r = await exportRun(p.runDir, p.out);
    const c = r.check;
    const check = c
      ? `int8 vs fp32 on ${c.n} test texts: same label for ${pct(c.agreement)}, accuracy ${pct(c.accuracyFp32)} (fp32) -> ${pct(c.accuracyInt8)} (int8)`
      : r.checkSkipped
        ? `int8 model not checked: ${r.checkSkipped}`
        : undefined;
    return { files: Object.keys(r.sizes).map((f) => join(r.dir, f)), dir: r.dir, ...(check ? { check } : {}) };
  },
};
