// Where a run's mistakes concentrate: error rates by review length, by amount of negation, for mixed-sentiment
// reviews (strong cue words of both polarities, or a contrast such as "but" near the end), by true label, and the
// mistakes the model was most sure of. A pattern is stated only when the difference in error rate is supported
// (Fisher's exact test, Holm-adjusted over the patterns checked, below alpha); otherwise the sentence says so.
// Pure functions over joined examples (predictions.jsonl + the dataset texts by id).
import { rangeIndex, wordCount, wordQuartiles, type PredictionRecord } from '../../protocol';
import { fisherExact, groupStat, holm, newcombeDiffCI, type GroupStat } from './stats';
import { quantileOf } from '../../shared/stats';
import { pct, points } from '../../shared/format';

export interface ScoredExample {
  id: string;
  text: string;
  label: number;
  pred: number;
  /** probability of the predicted class */
  confidence: number;
}

/** Joins test predictions with their texts by id; ids without a text are counted, not guessed. */
export function joinPredictions(preds: readonly PredictionRecord[], texts: ReadonlyMap<string, string>): { examples: ScoredExample[]; missing: string[] } {
  const examples: ScoredExample[] = [];
  const missing: string[] = [];
  for (const p of preds) {
    const text = texts.get(p.id);
    if (text === undefined) missing.push(p.id);
    else examples.push({ id: p.id, text, label: p.label, pred: p.pred, confidence: p.probs[p.pred] ?? NaN });
  }
  return { examples, missing };
}

const WORD = /[a-z0-9]+(?:'[a-z]+)?/g;

/** Lower-cased words (keeping contractions such as "isn't" whole). */
export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/[\u2018\u2019]/g, "'")
      .match(WORD) ?? []
  );
}

export const NEGATORS = new Set([
  'not',
  'no',
  'never',
  'nothing',
  'nobody',
  'none',
  'neither',
  'nor',
  'nowhere',
  'hardly',
  'barely',
  'scarcely',
  'without',
  'cannot',
]);

export function negationCount(ws: readonly string[]): number {
  let c = 0;
  for (const w of ws) if (NEGATORS.has(w) || w.endsWith("n't")) c++;
  return c;
}

// A small lexicon of strongly evaluative words common in film reviews (not exhaustive; enough to flag reviews
// that argue both ways).
export const STRONG_POSITIVE = new Set([
  'excellent',
  'outstanding',
  'brilliant',
  'brilliantly',
  'superb',
  'masterpiece',
  'wonderful',
  'magnificent',
  'perfect',
  'perfectly',
  'amazing',
  'terrific',
  'fantastic',
  'beautiful',
  'beautifully',
  'delightful',
  'remarkable',
  'stunning',
  'hilarious',
  'gripping',
  'compelling',
  'enjoyable',
  'memorable',
  'marvelous',
  'marvellous',
  'exceptional',
  'splendid',
  'touching',
  'moving',
  'powerful',
  'great',
  'best',
  'wonderfully',
  'superbly',
  'engaging',
  'charming',
  'fascinating',
  'riveting',
  'flawless',
  'entertaining',
]);
export const STRONG_NEGATIVE = new Set([
  'awful',
  'terrible',
  'horrible',
  'worst',
  'boring',
  'dull',
  'stupid',
  'mess',
  'waste',
  'bad',
  'poorly',
  'ridiculous',
  'pathetic',
  'lame',
  'disappointing',
  'tedious',
  'pointless',
  'unfunny',
  'laughable',
  'dreadful',
  'mediocre',
  'bland',
  'annoying',
  'incoherent',
  'clumsy',
  'embarrassing',
  'lousy',
  'atrocious',
  'worse',
  'badly',
  'awkward',
  'forgettable',
  'inept',
  'terribly',
  'uninspired',
]);

export function cueCounts(ws: readonly string[]): { positive: number; negative: number } {
  let positive = 0;
  let negative = 0;
  for (const w of ws) {
    if (STRONG_POSITIVE.has(w)) positive++;
    else if (STRONG_NEGATIVE.has(w)) negative++;
  }
  return { positive, negative };
}

export const CONTRASTIVES = new Set(['but', 'however', 'although', 'though', 'nevertheless', 'nonetheless', 'yet']);

export interface PatternOptions {
  /** significance level after Holm's adjustment (default 0.05) */
  alpha?: number;
  /** mixed: at least this many strong cues of each polarity (default 2) */
  minCuesEach?: number;
  /** mixed: the weaker polarity has at least this share of the stronger one's cues (default 0.5) */
  minCueBalance?: number;
  /** contrast "near the end": within the last share of the words (default 0.15) ... */
  endShare?: number;
  /** ... but at least this many words (default 20) */
  endMinWords?: number;
  /** how many confidently wrong examples to list (default 5) */
  topWrong?: number;
  labels?: readonly string[];
}

export interface PatternTest {
  key: 'length' | 'negation' | 'mixed' | 'contrast' | 'label';
  title: string;
  /** how the two groups are defined, in words */
  definition: string;
  groupName: string;
  otherName: string;
  group: GroupStat;
  other: GroupStat;
  /** group error rate minus other error rate */
  difference: number;
  /** Newcombe 95% interval of the difference */
  ci: [number, number];
  /** Fisher's exact two-sided p-value */
  p: number;
  /** Holm-adjusted over the patterns of this analysis */
  pAdjusted: number;
  supported: boolean;
  sentence: string;
}

export interface LengthBucket {
  /** words (wordCount), an inclusive range: one of the test set's wordQuartiles */
  minWords: number;
  maxWords: number;
  n: number;
  errors: number;
  errorRate: number;
}

export interface WrongExample {
  id: string;
  label: string;
  pred: string;
  confidence: number;
  words: number;
  excerpt: string;
}

export interface ErrorPatterns {
  n: number;
  errors: number;
  errorRate: number;
  /** word-count quartiles of the examples analysed (the mistakes browser's length filter uses the same) */
  lengthBuckets: LengthBucket[];
  tests: PatternTest[];
  confidentlyWrong: WrongExample[];
  alpha: number;
}

const pts = (x: number) => `${points(x)} points`;
export const formatP = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);

export function excerpt(text: string, n = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= n ? t : t.slice(0, n - 1) + '…';
}

function compareGroups(
  key: PatternTest['key'],
  title: string,
  definition: string,
  groupName: string,
  otherName: string,
  inGroup: readonly boolean[],
  wrong: readonly boolean[],
): Omit<PatternTest, 'pAdjusted' | 'supported' | 'sentence'> {
  let n1 = 0,
    x1 = 0,
    n2 = 0,
    x2 = 0;
  inGroup.forEach((g, i) => {
    if (g) {
      n1++;
      if (wrong[i]) x1++;
    } else {
      n2++;
      if (wrong[i]) x2++;
    }
  });
  const group = groupStat(n1, x1);
  const other = groupStat(n2, x2);
  const defined = n1 > 0 && n2 > 0;
  return {
    key,
    title,
    definition,
    groupName,
    otherName,
    group,
    other,
    difference: group.errorRate - other.errorRate,
    ci: defined ? newcombeDiffCI(x1, n1, x2, n2) : [NaN, NaN],
    p: defined ? fisherExact(x1, n1, x2, n2) : 1,
  };
}

function sentenceFor(t: Omit<PatternTest, 'sentence'>, alpha: number, count: number): string {
  const rates = `${pct(t.group.errorRate)} of ${t.group.n} ${t.groupName} vs ${pct(t.other.errorRate)} of ${t.other.n} ${t.otherName}`;
  if (t.group.n === 0 || t.other.n === 0)
    return `${t.title}: cannot be checked (${t.group.n === 0 ? `no ${t.groupName}` : `no ${t.otherName}`} in the test set).`;
  const ci = `difference ${pts(t.difference)}, 95% CI ${pts(t.ci[0])} to ${pts(t.ci[1])}, ${formatP(t.p)}, Holm-adjusted ${formatP(t.pAdjusted)}`;
  if (!t.supported && t.p < alpha)
    return `${t.title}: no clear difference once the ${count} patterns checked are accounted for (the unadjusted ${formatP(t.p)} alone would suggest one) — errors on ${rates} (${ci}).`;
  if (!t.supported) return `${t.title}: no clear difference — errors on ${rates} (${ci}).`;
  const dir = t.difference > 0 ? 'more' : 'fewer';
  return `${t.title}: the model makes ${dir} mistakes on ${t.groupName} — errors on ${rates} (${ci}).`;
}

/** Error patterns of one run's test predictions joined with their texts. */
export function analyzeErrors(examples: readonly ScoredExample[], opts: PatternOptions = {}): ErrorPatterns {
  const alpha = opts.alpha ?? 0.05;
  const minEach = opts.minCuesEach ?? 2;
  const balance = opts.minCueBalance ?? 0.5;
  const endShare = opts.endShare ?? 0.15;
  const endMin = opts.endMinWords ?? 20;
  const labelName = (i: number) => opts.labels?.[i] ?? String(i);
  const n = examples.length;
  const wrong = examples.map((e) => e.pred !== e.label);
  const ws = examples.map((e) => words(e.text));
  const wc = examples.map((e) => wordCount(e.text));

  // Length: word-count quartiles of this test set (wordCount and wordQuartiles, as the mistakes browser shows
  // them); the longest quarter against the shortest.
  const ranges = wordQuartiles(wc);
  const bucketOf = wc.map((c) => rangeIndex(ranges, c));
  const lengthBuckets: LengthBucket[] = ranges.map((r, b) => {
    const members = bucketOf.map((x, i) => (x === b ? i : -1)).filter((i) => i >= 0);
    const errors = members.filter((i) => wrong[i]).length;
    return { minWords: r.min, maxWords: r.max, n: members.length, errors, errorRate: members.length ? errors / members.length : 0 };
  });
  const last = ranges.length - 1;
  const longIdx = bucketOf.map((b) => last > 0 && b === last);
  const shortIdx = bucketOf.map((b) => b === 0);
  const keep = wc.map((_, i) => longIdx[i] || shortIdx[i]);
  const lengthTest = compareGroups(
    'length',
    'Length',
    `the longest quarter (${ranges[last]?.min ?? 0} words or more) against the shortest quarter (${ranges[0]?.max ?? 0} words or fewer)`,
    'long reviews',
    'short reviews',
    longIdx.filter((_, i) => keep[i]),
    wrong.filter((_, i) => keep[i]),
  );

  // Negation: negators per 100 words; the quarter with the densest negation against the rest.
  const negDensity = ws.map((w, i) => (wc[i] ? (100 * negationCount(w)) / wc[i] : 0));
  const negCut = quantileOf(negDensity, 0.75);
  const negGroup = negDensity.map((d) => d >= negCut && d > 0);
  const negationTest = compareGroups(
    'negation',
    'Negation',
    `at least ${negCut.toFixed(1)} negation words (not, n't, never, no, nothing, hardly, ...) per 100 words — the most negation-heavy quarter — against the rest`,
    'negation-heavy reviews',
    'other reviews',
    negGroup,
    wrong,
  );

  // Mixed sentiment: strong cue words of both polarities in comparable numbers.
  const mixed = ws.map((w) => {
    const { positive, negative } = cueCounts(w);
    const lo = Math.min(positive, negative);
    const hi = Math.max(positive, negative);
    return lo >= minEach && lo >= balance * hi;
  });
  const mixedTest = compareGroups(
    'mixed',
    'Mixed sentiment',
    `at least ${minEach} strong positive and ${minEach} strong negative cue words (e.g. "brilliant", "boring"), the weaker side at least ${Math.round(balance * 100)}% of the stronger`,
    'mixed-sentiment reviews',
    'other reviews',
    mixed,
    wrong,
  );

  // A contrast ("but", "however", "although", ...) near the end: the verdict often turns there.
  const contrast = ws.map((w) => {
    const tail = Math.max(endMin, Math.ceil(endShare * w.length));
    return w.slice(Math.max(0, w.length - tail)).some((x) => CONTRASTIVES.has(x));
  });
  const contrastTest = compareGroups(
    'contrast',
    'Late contrast',
    `a contrastive word (but, however, although, though, yet, nevertheless) in the last ${Math.round(endShare * 100)}% of the words (at least the last ${endMin})`,
    'reviews with a late contrast',
    'other reviews',
    contrast,
    wrong,
  );

  const raw = [lengthTest, negationTest, mixedTest, contrastTest];
  // Binary tasks: are mistakes lopsided by class (more missed positives than missed negatives)?
  const labelSet = [...new Set(examples.map((e) => e.label))].sort((a, b) => a - b);
  if (labelSet.length === 2) {
    const [a, b] = labelSet;
    raw.push(
      compareGroups(
        'label',
        'By true label',
        `reviews whose true label is ${labelName(b)} against those labelled ${labelName(a)}`,
        `${labelName(b)} reviews`,
        `${labelName(a)} reviews`,
        examples.map((e) => e.label === b),
        wrong,
      ),
    );
  }
  const adjusted = holm(raw.map((t) => t.p));
  const tests: PatternTest[] = raw.map((t, i) => {
    const withAdj = { ...t, pAdjusted: adjusted[i], supported: t.group.n > 0 && t.other.n > 0 && adjusted[i] < alpha };
    return { ...withAdj, sentence: sentenceFor(withAdj, alpha, raw.length) };
  });

  const confidentlyWrong = examples
    .map((e, i) => ({ e, i }))
    .filter(({ i }) => wrong[i])
    .sort((x, y) => y.e.confidence - x.e.confidence || (x.e.id < y.e.id ? -1 : 1))
    .slice(0, opts.topWrong ?? 5)
    .map(({ e, i }) => ({ id: e.id, label: labelName(e.label), pred: labelName(e.pred), confidence: e.confidence, words: wc[i], excerpt: excerpt(e.text) }));

  const errors = wrong.filter(Boolean).length;
  return { n, errors, errorRate: n ? errors / n : 0, lengthBuckets, tests, confidentlyWrong, alpha };
}
