// Token-length statistics of a dataset under a tokenizer: how long the texts are in tokens and what share a given
// maximum length would cut. Lengths include the tokenizer's special tokens (what the model would see untruncated).
import type { TextTokenizer } from './strategies';
import { pct } from '../../shared/format';
import { quantileSorted } from '../../shared/stats';

export interface TokenStats {
  tokenizer: string;
  count: number;
  mean: number;
  median: number;
  p90: number;
  max: number;
  min: number;
  maxLength: number;
  /** Examples longer than maxLength (they lose tokens under head/tail/head+tail, or need several chunks). */
  truncated: number;
  truncatedShare: number;
  /** Share of all tokens that fit in maxLength (what head/tail/head+tail keep): sum(min(len, max)) / sum(len). */
  keptTokenShare: number;
  /** Per-example lengths, in input order. */
  lengths: Int32Array;
}

export function lengthStats(lengths: Int32Array, maxLength: number, tokenizer = ''): TokenStats {
  const sorted = Int32Array.from(lengths).sort();
  let sum = 0;
  let kept = 0;
  let truncated = 0;
  for (const l of lengths) {
    sum += l;
    kept += Math.min(l, maxLength);
    if (l > maxLength) truncated++;
  }
  const n = lengths.length;
  return {
    tokenizer,
    count: n,
    mean: n ? sum / n : NaN,
    median: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    max: n ? sorted[n - 1] : NaN,
    min: n ? sorted[0] : NaN,
    maxLength,
    truncated,
    truncatedShare: n ? truncated / n : 0,
    keptTokenShare: sum ? kept / sum : 1,
    lengths,
  };
}

/** Token lengths (special tokens included) of `texts` and the share longer than maxLength (default: the model's). */
export function tokenStats(tok: TextTokenizer, texts: readonly string[], maxLength = tok.modelMaxLength): TokenStats {
  const extra = tok.specials.prefix.length + tok.specials.suffix.length;
  const lengths = Int32Array.from(texts, (t) => tok.encode(t).length + extra);
  return lengthStats(lengths, maxLength, tok.name);
}

/** One line for logs and the CLI: mean, median, p90, max, share over maxLength and share of tokens kept. */
export function formatTokenStats(s: TokenStats): string {
  const r = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  return (
    `${s.count} texts: mean ${r(s.mean)} tokens, median ${r(s.median)}, p90 ${r(s.p90)}, max ${s.max}; ` +
    `${pct(s.truncatedShare)} exceed ${s.maxLength} (a cut at ${s.maxLength} keeps ${pct(s.keptTokenShare)} of all tokens)`
  );
}
