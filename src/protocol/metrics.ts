// Evaluation results as the host computes them (src/host/eval) and the UI shows them.

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean confidence (max probability) of the examples in the bin; 0 when empty. */
  confidence: number;
  /** Fraction of correct predictions in the bin; 0 when empty. */
  accuracy: number;
}

export interface EvalMetrics {
  n: number;
  labels: string[];
  accuracy: number;
  /** Percentile bootstrap 95% confidence interval of the accuracy. */
  accuracyCI: [number, number];
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  perClass: ClassMetrics[];
  /** Binary: AUC of the positive class (index 1); more classes: macro one-vs-rest. null when undefined. */
  rocAuc: number | null;
  logLoss: number;
  /** confusion[true][pred] */
  confusion: number[][];
  /** Expected calibration error over 10 equal-width confidence bins. */
  ece: number;
  reliability: ReliabilityBin[];
}

export interface Comparison {
  n: number;
  accuracyA: number;
  accuracyB: number;
  /** accuracyB - accuracyA */
  difference: number;
  /** Paired bootstrap 95% CI of the difference. */
  differenceCI: [number, number];
  /** A correct, B wrong */
  onlyACorrect: number;
  /** A wrong, B correct */
  onlyBCorrect: number;
  /** McNemar's exact test (two-sided binomial on the discordant pairs). */
  mcnemarP: number;
  /** ids A got wrong and B got right */
  fixed: string[];
  /** ids A got right and B got wrong */
  broken: string[];
}
