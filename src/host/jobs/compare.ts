// Compares two runs' test predictions (same examples by id); a cross-validation folder (crossValidate.ts) stands
// for its pooled predictions, every example of the dataset once.
import type { Comparison } from '../../protocol';
import { comparePredictions } from '../eval';
import { RunFolder } from '../runs';
import { readCvPredictions } from './crossValidate';

export function compareRuns(runDirA: string, runDirB: string, seed = 0): Comparison {
  const load = (dir: string) => {
    const cv = readCvPredictions(dir);
    if (cv) return cv;
    const run = RunFolder.open(dir);
    const preds = run.readPredictions().filter((p) => (p.split ?? 'test') === 'test');
    if (preds.length === 0) throw new Error(`run ${run.id} has no test predictions (status ${run.manifest.status}); compare completed runs`);
    return preds;
  };
  return comparePredictions(load(runDirA), load(runDirB), seed);
}
