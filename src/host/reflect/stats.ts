// Small statistics for the reflection: comparing two error rates (Fisher's exact test, Newcombe's score interval
// of the difference) and Holm's adjustment when several patterns are checked on the same run.
import { lgamma } from '../eval';

export interface GroupStat {
  n: number;
  errors: number;
  /** errors / n; 0 for an empty group */
  errorRate: number;
}

export function groupStat(n: number, errors: number): GroupStat {
  return { n, errors, errorRate: n ? errors / n : 0 };
}

const Z95 = 1.959963984540054;

/** Wilson score 95% interval of a proportion x/n. */
export function wilson(x: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Newcombe's hybrid score 95% interval (method 10) of p1 - p2 for independent groups. */
export function newcombeDiffCI(x1: number, n1: number, x2: number, n2: number): [number, number] {
  const p1 = n1 ? x1 / n1 : 0;
  const p2 = n2 ? x2 / n2 : 0;
  const [l1, u1] = wilson(x1, n1);
  const [l2, u2] = wilson(x2, n2);
  const d = p1 - p2;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)];
}

function logHypergeom(a: number, r1: number, r2: number, c1: number): number {
  // P(top-left cell = a) for a 2x2 table with row sums r1, r2 and first column sum c1.
  const lc = (n: number, k: number) => lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
  return lc(r1, a) + lc(r2, c1 - a) - lc(r1 + r2, c1);
}

/**
 * Two-sided Fisher exact test of the 2x2 table [[x1, n1-x1], [x2, n2-x2]]: the total probability of the tables
 * with the same margins that are no more likely than the observed one (as scipy.stats.fisher_exact).
 */
export function fisherExact(x1: number, n1: number, x2: number, n2: number): number {
  const c1 = x1 + x2;
  const lo = Math.max(0, c1 - n2);
  const hi = Math.min(n1, c1);
  const observed = logHypergeom(x1, n1, n2, c1);
  let p = 0;
  for (let a = lo; a <= hi; a++) {
    const l = logHypergeom(a, n1, n2, c1);
    // relative tolerance as scipy, so tables equal to the observed one up to rounding count
    if (l <= observed + 1e-7) p += Math.exp(l);
  }
  return Math.min(1, p);
}

/** Holm's step-down adjustment of p-values (same order as given). */
export function holm(ps: readonly number[]): number[] {
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<number>(ps.length);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, p * (ps.length - rank)));
    out[i] = running;
  });
  return out;
}
