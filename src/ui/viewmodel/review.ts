// The misclassified-review browser's model: the wrong test predictions from predictions.jsonl, most confident
// first, filtered to false positives / false negatives of a chosen positive class, to the examples fixed or broken
// versus a baseline run (same test ids), and to a word-count quartile; with word saliency and the saved notes.
// No vscode import.
import { wordCount, wordQuartiles, type PredictionRecord } from '../../protocol';
import type { LengthBucket, ReviewFilter, ReviewItem, ReviewPage, ReviewQuery, ReviewRow } from '../../protocol/webviewMessages';
import { saliencySpans } from './saliency';

export const DEFAULT_REVIEW_QUERY: ReviewQuery = { filter: 'all', positive: 1, baseline: '', change: 'all', length: -1 };

export interface ReviewExtras {
  /** The baseline run chosen for fixed/broken, with its predictions. */
  baseline?: { dir: string; id: string; predictions: readonly PredictionRecord[] };
  /** Runs offered as baselines. */
  baselines?: { dir: string; id: string }[];
  saliency?: ReadonlyMap<string, [string, number][]>;
  notes?: Readonly<Record<string, string>>;
  warnings?: string[];
}

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

/** Word-count quartiles of the examples (wordQuartiles, the reflection's too), labelled for the length filter. */
export function lengthBuckets(counts: readonly number[]): LengthBucket[] {
  return wordQuartiles(counts).map(({ min, max }, index) => {
    const count = counts.filter((c) => c >= min && c <= max).length;
    return { index, min, max, count, label: min === max ? `${min} words` : `${min}–${max} words` };
  });
}

export { wordCount };

/** The list of a query (page) and the full item (text, saliency) of one of its rows, by id. */
export interface ReviewModel {
  page: ReviewPage;
  item(id: string): ReviewItem | undefined;
}

/** textOf: the example's text by id when predictions.jsonl does not carry it (it usually stores only ids). */
export function reviewPage(
  preds: readonly PredictionRecord[],
  labels: readonly string[],
  query: ReviewQuery,
  textOf?: (id: string) => string | undefined,
  extras: ReviewExtras = {},
): ReviewPage {
  return reviewModel(preds, labels, query, textOf, extras).page;
}

/** Every row of the query, light (no texts); item(id) adds the text and saliency of one row when it is opened. */
export function reviewModel(
  preds: readonly PredictionRecord[],
  labels: readonly string[],
  query: ReviewQuery,
  textOf?: (id: string) => string | undefined,
  extras: ReviewExtras = {},
): ReviewModel {
  const evaluated = testPredictions(preds);
  const positive = Math.min(Math.max(0, query.positive), Math.max(0, labels.length - 1));
  const name = (i: number) => labels[i] ?? String(i);
  const textFor = (p: PredictionRecord) => {
    const own = (p as PredictionRecord & { text?: unknown }).text;
    return typeof own === 'string' ? own : textOf?.(p.id);
  };
  const texts = new Map<string, string>();
  for (const p of evaluated) {
    const t = textFor(p);
    if (typeof t === 'string') texts.set(p.id, t);
  }
  const words = new Map([...texts].map(([id, t]) => [id, wordCount(t)]));
  const lengths = lengthBuckets([...words.values()]);
  const warnings = [...(extras.warnings ?? [])];

  const right = (p: PredictionRecord) => p.pred === p.label;
  const wrong = evaluated.filter((p) => !right(p));
  // The baseline's predictions on the same examples (same id and label).
  const base = new Map<string, PredictionRecord>();
  if (extras.baseline) {
    const b = new Map(testPredictions(extras.baseline.predictions).map((p) => [p.id, p]));
    for (const p of evaluated) {
      const q = b.get(p.id);
      if (q && q.label === p.label) base.set(p.id, q);
    }
    if (base.size < evaluated.length) {
      warnings.push(
        `${extras.baseline.id} has predictions for ${base.size} of this run's ${evaluated.length} test examples: fixed and broken count only those.`,
      );
    }
  }
  const isFixed = (p: PredictionRecord) => right(p) && !!base.get(p.id) && !right(base.get(p.id)!);
  const isBroken = (p: PredictionRecord) => !right(p) && !!base.get(p.id) && right(base.get(p.id)!);
  const change = extras.baseline ? (query.change ?? 'all') : 'all';
  let pool = change === 'fixed' ? evaluated.filter(isFixed) : change === 'broken' ? evaluated.filter(isBroken) : wrong;

  const bucket = lengths[query.length ?? -1];
  if (bucket) pool = pool.filter((p) => words.has(p.id) && words.get(p.id)! >= bucket.min && words.get(p.id)! <= bucket.max);

  // FP/FN of the wrong prediction in the pair: the baseline's for a fixed example, this run's otherwise.
  const kind = (p: PredictionRecord) => kindOf(right(p) && base.has(p.id) ? base.get(p.id)! : p, positive);
  const counts: Record<ReviewFilter, number> = { all: pool.length, fp: 0, fn: 0 };
  for (const p of pool) {
    const k = kind(p);
    if (k === 'FP') counts.fp++;
    else if (k === 'FN') counts.fn++;
  }
  const keep = pool.filter((p) => query.filter === 'all' || kind(p) === query.filter.toUpperCase());
  // Most confident first: confident mistakes say most about what the model learned wrong. Ties by id for stability.
  keep.sort((a, b) => (confidence(b) || 0) - (confidence(a) || 0) || a.id.localeCompare(b.id));
  const row = (p: PredictionRecord): ReviewRow => {
    const b = base.get(p.id);
    const note = extras.notes?.[p.id];
    const w = words.get(p.id);
    return {
      id: p.id,
      label: name(p.label),
      pred: name(p.pred),
      confidence: confidence(p),
      kind: kind(p),
      correct: right(p),
      ...(isFixed(p) ? { change: 'fixed' as const } : isBroken(p) ? { change: 'broken' as const } : {}),
      ...(b ? { baselinePred: name(b.pred), baselineConfidence: confidence(b) } : {}),
      ...(w !== undefined ? { words: w } : {}),
      ...(extras.saliency?.get(p.id)?.length ? { salient: true } : {}),
      ...(typeof note === 'string' ? { note } : {}),
    };
  };
  const rows = keep.map(row);
  const byId = new Map(keep.map((p) => [p.id, p]));
  const item = (id: string): ReviewItem | undefined => {
    const p = byId.get(id);
    if (!p) return undefined;
    const light: ReviewRow = row(p);
    delete light.salient;
    const text = texts.get(p.id);
    const sal = extras.saliency?.get(p.id);
    return {
      ...light,
      ...(typeof text === 'string' ? { text } : {}),
      ...(sal && sal.length ? { saliency: saliencySpans(text, sal) } : {}),
    };
  };
  let fixed = 0;
  let broken = 0;
  for (const p of evaluated) {
    if (isFixed(p)) fixed++;
    else if (isBroken(p)) broken++;
  }
  const page: ReviewPage = {
    query: { ...query, positive, baseline: extras.baseline?.dir ?? '', change, length: bucket ? bucket.index : -1 },
    labels: [...labels],
    total: keep.length,
    counts,
    evaluated: evaluated.length,
    wrong: wrong.length,
    rows,
    baselines: extras.baselines ?? [],
    ...(extras.baseline ? { versus: { id: extras.baseline.id, shared: base.size, fixed, broken } } : {}),
    lengths,
    saliencyCount: extras.saliency ? evaluated.filter((p) => extras.saliency!.has(p.id)).length : 0,
    warnings,
  };
  return { page, item };
}
