// Compares two runs' test predictions (same examples by id).
import type { Comparison } from '../../protocol';
import { comparePredictions } from '../eval';
import { RunFolder } from '../runs';

export function compareRuns(runDirA: string, runDirB: string, seed = 0): Comparison {
  const load = (dir: string) => {
    const run = RunFolder.open(dir);
    const preds = run.readPredictions().filter((p) => (p.split ?? 'test') === 'test');
    if (preds.length === 0) throw new Error(`run ${run.id} has no test predictions (status ${run.manifest.status}); compare completed runs`);
    return preds;
  };
  return comparePredictions(load(runDirA), load(runDirB), seed);
}
