// Checks every dataset goes through after reading: empty texts, label typos, a single class, duplicated texts.
import { createHash } from 'node:crypto';
import type { Example } from './types';

/** Levenshtein distance, stopping early once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (cur[j] < best) best = cur[j];
    }
    if (best > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length];
}

export interface LabelTypo {
  value: string;
  count: number;
  likely: string;
  likelyCount: number;
}

/**
 * Label values that look like misspellings of a frequent label: within edit distance 2 of it, at most 5% as common,
 * and both at least 3 characters long (so genuine short codes like "0"/"1" or "a"/"b" are never flagged).
 * Values that differ only in letter case ("Positive"/"positive") are flagged whatever their counts (the rarer one).
 */
export function findLabelTypos(counts: Map<string, number>): LabelTypo[] {
  const out: LabelTypo[] = [];
  for (const [value, count] of counts) {
    let best: LabelTypo | undefined;
    for (const [other, otherCount] of counts) {
      if (other === value) continue;
      if (other.toLowerCase() === value.toLowerCase() && (count < otherCount || (count === otherCount && value < other))) {
        best = { value, count, likely: other, likelyCount: otherCount };
        break;
      }
      if (value.length < 3 || other.length < 3) continue;
      if (count > 0.05 * otherCount) continue;
      if (/^-?\d+(\.\d+)?$/.test(value) && /^-?\d+(\.\d+)?$/.test(other)) continue;
      if (editDistance(value.toLowerCase(), other.toLowerCase(), 2) <= 2 && (!best || otherCount > best.likelyCount)) {
        best = { value, count, likely: other, likelyCount: otherCount };
      }
    }
    if (best) out.push(best);
  }
  return out;
}

/** Whitespace-normalised text: copies that differ only in spacing or line ends count as duplicates. */
export function normalizeForDuplicates(text: string): string {
  // Most texts are normal already (single spaces, nothing at the ends): one scan, no copy (at 50,000 reviews the
  // replace took most of the data checks' time).
  if (!NEEDS_NORMALIZING.test(text)) return text;
  return text.replace(/\s+/g, ' ').trim();
}
/** Whitespace other than a single space between two non-spaces. */
const NEEDS_NORMALIZING = /^\s|\s$|\s\s|[^\S ]/;

const keyOf = new WeakMap<object, { text: string; key: string }>();

/** duplicateKey of an example's text, computed once per example (the data checks and the split each group copies). */
export function exampleKey(e: { text: string }): string {
  const hit = keyOf.get(e);
  if (hit && hit.text === e.text) return hit.key;
  const key = duplicateKey(e.text);
  keyOf.set(e, { text: e.text, key });
  return key;
}

/**
 * The key that groups copies: a SHA-256 digest of the whitespace-normalised text, so maps of keys hold 44-character
 * digests instead of a second copy of every text (at 50,000 reviews, 117 MB of text).
 */
export function duplicateKey(text: string): string {
  return createHash('sha256').update(normalizeForDuplicates(text)).digest('base64');
}

export interface DuplicateGroup {
  ids: string[];
  /** True when the copies carry different labels (a contradiction in the data, not only redundancy). */
  conflicting: boolean;
}

export function findDuplicates(examples: readonly Example[]): DuplicateGroup[] {
  const byText = new Map<string, Example[]>();
  for (const e of examples) {
    const k = exampleKey(e);
    const g = byText.get(k);
    if (g) g.push(e);
    else byText.set(k, [e]);
  }
  const out: DuplicateGroup[] = [];
  for (const g of byText.values()) {
    if (g.length > 1) out.push({ ids: g.map((e) => e.id), conflicting: new Set(g.map((e) => e.label)).size > 1 });
  }
  return out;
}

/** One-line warning for duplicated texts, or undefined when there are none. */
export function duplicateWarning(where: string, groups: DuplicateGroup[]): string | undefined {
  if (groups.length === 0) return undefined;
  const extra = groups.reduce((s, g) => s + g.ids.length - 1, 0);
  const conflicting = groups.filter((g) => g.conflicting).length;
  const eg = groups.slice(0, 3).map((g) => g.ids.slice(0, 3).join(' = ')).join('; ');
  return `${where}: ${groups.length} text(s) appear more than once (${extra} extra copies${conflicting ? `, ${conflicting} with different labels` : ''}), e.g. ${eg}; ` +
    'copies in both train and test inflate scores: remove them (splits keep copies together)';
}

/** "3, 7, 12 and 4 more" style list of line numbers. */
export function listSome(items: readonly (string | number)[], max = 8): string {
  const head = items.slice(0, max).join(', ');
  return items.length > max ? `${head} and ${items.length - max} more` : head;
}
