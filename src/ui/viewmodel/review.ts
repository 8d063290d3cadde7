// The misclassified-review browser's model: the wrong predictions from predictions.jsonl, most confident first,
// filtered to false positives / false negatives of a chosen positive class. No vscode import.
import type { PredictionRecord } from '../../protocol';
import type { ReviewFilter, ReviewItem, ReviewPage, ReviewQuery } from '../../protocol/webviewMessages';

export const DEFAULT_REVIEW_QUERY: ReviewQuery = { filter: 'all', positive: 1, offset: 0, limit: 50 };

function kindOf(p: PredictionRecord, positive: number): ReviewItem['kind'] {
  if (p.pred === positive && p.label !== positive) return 'FP';
  if (p.label === positive && p.pred !== positive) return 'FN';
  return 'wrong';
}

function confidence(p: PredictionRecord): number {
  const c = p.probs?.[p.pred];
  return typeof c === 'number' && Number.isFinite(c) ? c : NaN;
}

/** Predictions of the test split when they are tagged, otherwise all of them. */
export function testPredictions(preds: readonly PredictionRecord[]): PredictionRecord[] {
  return preds.some((p) => p.split === 'test') ? preds.filter((p) => p.split === 'test') : [...preds];
}

/** textOf: the example's text by id when predictions.jsonl does not carry it (it usually stores only ids). */
export function reviewPage(preds: readonly PredictionRecord[], labels: readonly string[], query: ReviewQuery, textOf?: (id: string) => string | undefined): ReviewPage {
  const evaluated = testPredictions(preds);
  const positive = Math.min(Math.max(0, query.positive), Math.max(0, labels.length - 1));
  const wrong = evaluated.filter((p) => p.pred !== p.label);
  const counts: Record<ReviewFilter, number> = { all: wrong.length, fp: 0, fn: 0 };
  for (const p of wrong) {
    const k = kindOf(p, positive);
    if (k === 'FP') counts.fp++;
    else if (k === 'FN') counts.fn++;
  }
  const keep = wrong.filter((p) => query.filter === 'all' || kindOf(p, positive) === query.filter.toUpperCase());
  // Most confident mistakes first: those say most about what the model learned wrong. Ties by id for stability.
  keep.sort((a, b) => (confidence(b) || 0) - (confidence(a) || 0) || a.id.localeCompare(b.id));
  const offset = Math.max(0, Math.min(query.offset, Math.max(0, keep.length - 1)));
  const name = (i: number) => labels[i] ?? String(i);
  const items = keep.slice(offset, offset + query.limit).map((p): ReviewItem => {
    const own = (p as PredictionRecord & { text?: unknown }).text;
    const text = typeof own === 'string' ? own : textOf?.(p.id);
    return {
      id: p.id,
      label: name(p.label),
      pred: name(p.pred),
      confidence: confidence(p),
      kind: kindOf(p, positive),
      ...(typeof text === 'string' ? { text } : {}),
    };
  });
  return { query: { ...query, positive, offset }, labels: [...labels], total: keep.length, counts, evaluated: evaluated.length, items };
}
