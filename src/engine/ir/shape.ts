// Build-time shape algebra with symbolic dimensions. A symbolic dim is a product of named factors and a
// numeric coefficient, written canonically ('batch*seq', '12*seq'), so reshapes can infer and check them.
import type { Dim } from './types';

export const fmt = (s: readonly Dim[]): string => `[${s.join(',')}]`;

interface Prod {
  c: number;
  syms: string[];
}

function parse(d: Dim): Prod {
  if (typeof d === 'number') return { c: d, syms: [] };
  let c = 1;
  const syms: string[] = [];
  for (const p of d.split('*')) {
    const n = Number(p);
    if (p !== '' && Number.isFinite(n)) c *= n;
    else syms.push(p);
  }
  return { c, syms: syms.sort() };
}

function show(p: Prod): Dim {
  if (p.syms.length === 0) return p.c;
  return (p.c === 1 ? '' : `${p.c}*`) + [...p.syms].sort().join('*');
}

/** Canonical form of a dim, so 'seq*batch' equals 'batch*seq'. */
export const canon = (d: Dim): Dim => show(parse(d));
export const sameDim = (a: Dim, b: Dim): boolean => canon(a) === canon(b);

export function product(dims: readonly Dim[]): Dim {
  const out: Prod = { c: 1, syms: [] };
  for (const d of dims) {
    const p = parse(d);
    out.c *= p.c;
    out.syms.push(...p.syms);
  }
  return show(out);
}

/** a / b when it divides exactly (coefficient and symbol multiset), else undefined. */
export function divide(a: Dim, b: Dim): Dim | undefined {
  const pa = parse(a);
  const pb = parse(b);
  if (pb.c === 0 || pa.c % pb.c !== 0) return undefined;
  const rest = [...pa.syms];
  for (const s of pb.syms) {
    const i = rest.indexOf(s);
    if (i < 0) return undefined;
    rest.splice(i, 1);
  }
  return show({ c: pa.c / pb.c, syms: rest });
}

export const isStatic = (s: readonly Dim[]): s is readonly number[] => s.every((d) => typeof d === 'number');
export const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Numpy broadcasting of several shapes; throws an error naming the op and the shapes. */
export function broadcast(op: string, ...shapes: (readonly Dim[])[]): Dim[] {
  const n = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const e = s[i - (n - s.length)] ?? 1;
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (!sameDim(d, e)) throw new Error(`${op}: cannot broadcast ${shapes.map(fmt).join(' with ')}`);
    }
    out.push(d);
  }
  return out;
}

export const normAxis = (op: string, axis: number, rank: number): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
};

/** Resolve symbolic dims to numbers, given values for the base symbols (e.g. { batch: 8, seq: 128 }). */
export function resolveShape(shape: readonly Dim[], env: Readonly<Record<string, number>>): number[] {
  return shape.map((d) => {
    if (typeof d === 'number') return d;
    const p = parse(d);
    let v = p.c;
    for (const s of p.syms) {
      const x = env[s];
      if (x === undefined) throw new Error(`unknown dimension '${s}' in ${d}: pass a value for it`);
      v *= x;
    }
    return v;
  });
}
