// The long jobs the host and the CLI can run, by request.
import type { BaselineParams, ExportParams, ExportResult, RunResult, TrainParams } from '../../protocol';
import type { JobContext } from './context';
import { runTfidfBaseline } from './baselineTfidf';
import { runEmbeddingBaseline } from './baselineEmbeddings';
import { runFinetune } from '../train';
import { exportRun } from '../export';
import { join } from 'node:path';

export interface JobHandlers {
  train(p: TrainParams, ctx: JobContext): Promise<RunResult>;
  baseline(p: BaselineParams, ctx: JobContext): Promise<RunResult>;
  export(p: ExportParams): Promise<ExportResult>;
}

export const jobHandlers: JobHandlers = {
  train: (p, ctx) => runFinetune(p, ctx),
  baseline: async (p, ctx) => {
    if (p.kind === 'tfidf') return runTfidfBaseline(p, ctx);
    if (p.kind === 'embeddings') return runEmbeddingBaseline(p, ctx);
    throw new Error(`unknown baseline '${p.kind}'; choose tfidf or embeddings`);
  },
  export: async (p) => {
    const r = await exportRun(p.runDir, p.out);
    return { files: Object.keys(r.sizes).map((f) => join(r.dir, f)) };
  },
};
