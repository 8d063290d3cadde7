// What every kind of run produces alike: the metric summary kept in run.json and metrics.jsonl, the prediction
// records of predictions.jsonl, and a predictor for new texts (built per run kind by ../jobs/predict.ts).
import type { EvalMetrics, EvalSummary, PredictionRecord } from '../../protocol';
import { argmax } from '../eval';
import type { Example } from '../data';

export function evalSummary(m: EvalMetrics, loss?: number): EvalSummary {
  return { accuracy: m.accuracy, macroF1: m.macroF1, rocAuc: m.rocAuc, logLoss: m.logLoss, ece: m.ece, ...(loss === undefined ? {} : { loss }) };
}

export function predictionRecords(examples: Example[], probs: number[][], split: string): PredictionRecord[] {
  return examples.map((e, i) => ({ id: e.id, label: e.label, pred: argmax(probs[i]), probs: probs[i].map((p) => Math.round(p * 1e6) / 1e6), split }));
}

/** A finished run's model, ready to predict new texts. */
export interface Predictor {
  labels: string[];
  predictProba(texts: string[]): Promise<number[][]>;
}
