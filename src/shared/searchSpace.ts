// The hyperparameter search's space (gft search, src/host/jobs/search.ts): WHICH settings are sampled and on what
// scale. Their limits and choices are the settings schema's (./settingsTable.ts): a range here is only where the
// sampling concentrates, clipped to the schema's min/max, and a choice outside the schema's list is impossible.
// Each trial's values are a function of (seed, trial number) alone, so a resumed search samples the same trials.
// Epochs are not sampled: they are the resource successive halving spends (rungs of 1, 3, 9... epochs).
// Pure TypeScript.
import { mixSeed, mulberry32 } from './prng';
import { SETTINGS, numberText, type TrainLayers, type LongText, type TrainConfig } from './settings';

/** How each searched setting is sampled (ranges inside the schema's limits). */
export const SEARCH_SPACE = {
  /** Log-uniform, by what is trained: full fine-tuning takes smaller rates than the top layers, a new head larger. */
  lr: { scale: 'log', all: [1e-5, 1e-4], top: [5e-5, 1e-3], head: [1e-4, 5e-3] },
  /** One of these values. */
  weightDecay: { scale: 'choice', values: [0, 0.01, 0.1] },
  /** One of these values (1 = off): each layer down from the classifier takes this factor of the rate above it. */
  layerLrDecay: { scale: 'choice', values: [1, 0.95, 0.9, 0.8] },
  /** Uniform fraction of one epoch's optimizer steps, rounded to whole steps. */
  warmupSteps: { scale: 'epoch-fraction', range: [0, 0.1] },
  /** Powers of two from `from` up to the run's max length (the --max-length given, else the schema's default). */
  maxLength: { scale: 'pow2', from: 32 },
  /** One of the schema's long-text strategies the model can read. */
  longText: { scale: 'choice' },
  /** The schema's choices: everything, the head, or the top K layers (K uniform in 1..half the layers). */
  trainLayers: { scale: 'choice' },
} as const;

export type SearchedKey = keyof typeof SEARCH_SPACE;
export const SEARCHED_KEYS = Object.keys(SEARCH_SPACE) as SearchedKey[];

/** What the space depends on: the model, the data and the settings the user fixed. */
export interface SpaceContext {
  /** The model's encoder layers (top:K takes K up to half of them). */
  numLayers: number;
  /** The largest max length sampled (the user's --max-length or the schema default, cut to the model's maximum). */
  maxLength: number;
  /** The schema's long-text strategies this model can train with. */
  longTexts: readonly LongText[];
  /** About how many optimizer steps one epoch has (the warm-up is a fraction of it). */
  stepsPerEpoch: number;
}

const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** The max lengths sampled: powers of two from SEARCH_SPACE.maxLength.from up to the limit, and the limit itself. */
export function maxLengthChoices(limit: number): number[] {
  const lo = Math.max(SETTINGS.maxLength.min, SEARCH_SPACE.maxLength.from);
  const hi = clip(limit, SETTINGS.maxLength.min, SETTINGS.maxLength.max);
  const out: number[] = [];
  for (let v = lo; v < hi; v *= 2) out.push(v);
  out.push(hi);
  return out;
}

/** The trainLayers values sampled: the schema's 'all' and 'head', and top:K with K from 1 to half the layers. */
export function trainLayersChoices(numLayers: number): TrainLayers[] {
  const top = SETTINGS.trainLayers.top;
  const maxK = clip(Math.floor(numLayers / 2), top.min, top.max);
  const values = SETTINGS.trainLayers.choices.map((c) => c.value);
  const out: TrainLayers[] = [];
  for (const v of values) {
    if (v === 'top') for (let k = top.min; k <= Math.min(maxK, numLayers - 1); k++) out.push({ top: k });
    else out.push(v);
  }
  return out;
}

/** The long-text strategies of the schema that are in `allowed`. */
export function longTextChoices(allowed: readonly LongText[]): LongText[] {
  return SETTINGS.longText.choices.map((c) => c.value as LongText).filter((v) => allowed.includes(v));
}

/** The learning-rate ranges in words: "[1e-5, 1e-4] training all, ...". */
export function lrRanges(): string {
  return (['all', 'top', 'head'] as const).map((k) => `[${SEARCH_SPACE.lr[k].map(numberText).join(', ')}] training ${k === 'top' ? 'top:K' : k}`).join(', ');
}

/** The values of the searched settings of trial `trial` (1-based) of a search seeded with `seed`. */
export function sampleTrial(seed: number, trial: number, ctx: SpaceContext, keys: readonly SearchedKey[] = SEARCHED_KEYS): Partial<TrainConfig> {
  const rand = mulberry32(mixSeed(seed, trial, 0x5ea4c));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  // Every setting draws its random numbers whether searched or not: the same trial gets the same values of the
  // settings it does search whichever others are fixed.
  const trainLayers = pick(trainLayersChoices(ctx.numLayers));
  const lrRange = SEARCH_SPACE.lr[typeof trainLayers === 'object' ? 'top' : trainLayers];
  const u = rand();
  const lrRaw = Math.exp(Math.log(lrRange[0]) + u * (Math.log(lrRange[1]) - Math.log(lrRange[0])));
  // two significant digits, as people write rates (3.2e-5)
  const lr = clip(Number(lrRaw.toPrecision(2)), Number.MIN_VALUE, SETTINGS.lr.max);
  const weightDecay = clip(pick(SEARCH_SPACE.weightDecay.values), SETTINGS.weightDecay.min, SETTINGS.weightDecay.max);
  const [w0, w1] = SEARCH_SPACE.warmupSteps.range;
  const warmupSteps = clip(Math.round((w0 + rand() * (w1 - w0)) * ctx.stepsPerEpoch), SETTINGS.warmupSteps.min, SETTINGS.warmupSteps.max);
  const maxLength = pick(maxLengthChoices(ctx.maxLength));
  const longTexts = longTextChoices(ctx.longTexts);
  const longText = longTexts.length ? pick(longTexts) : undefined;
  // drawn last, so the other settings of a trial are those of searches before this setting was searched
  const layerLrDecay = clip(pick(SEARCH_SPACE.layerLrDecay.values), Number.MIN_VALUE, SETTINGS.layerLrDecay.max);
  const all: Partial<TrainConfig> = { trainLayers, lr, weightDecay, warmupSteps, maxLength, ...(longText ? { longText } : {}), layerLrDecay };
  const out: Partial<TrainConfig> = {};
  for (const k of keys) if (all[k] !== undefined) Object.assign(out, { [k]: all[k] });
  return out;
}

/** The space in words, one line per searched setting (search.json's `space`, the help). */
export function describeSpace(ctx: SpaceContext, keys: readonly SearchedKey[] = SEARCHED_KEYS): Partial<Record<SearchedKey, string>> {
  const text: Record<SearchedKey, string> = {
    lr: `log-uniform in ${lrRanges()}`,
    weightDecay: `one of ${SEARCH_SPACE.weightDecay.values.join(', ')}`,
    layerLrDecay: `one of ${SEARCH_SPACE.layerLrDecay.values.join(', ')}`,
    warmupSteps: `uniform ${SEARCH_SPACE.warmupSteps.range.join('-')} of an epoch's ${ctx.stepsPerEpoch} steps`,
    maxLength: `one of ${maxLengthChoices(ctx.maxLength).join(', ')}`,
    longText: `one of ${longTextChoices(ctx.longTexts).join(', ')}`,
    trainLayers: `one of ${trainLayersChoices(ctx.numLayers)
      .map((f) => (typeof f === 'object' ? `top:${f.top}` : f))
      .join(', ')}`,
  };
  return Object.fromEntries(keys.map((k) => [k, text[k]]));
}
