// Dataset counts in words for messages and the Datasets view. No vscode import.
import type { DatasetSummary } from '../../protocol';

/** "2000 examples, 2 labels: train 1400 · validation 200 · test 400 (neg 700/100/200, pos 700/100/200)" */
export function splitCounts(s: DatasetSummary): string {
  const total = s.sizes.train + s.sizes.validation + s.sizes.test;
  const perLabel = s.labels.map((l) => {
    const c = s.labelCounts[l];
    return c ? `${l} ${c.train}/${c.validation}/${c.test}` : l;
  });
  return (
    `${total} examples, ${s.labels.length} labels: train ${s.sizes.train} · validation ${s.sizes.validation} · test ${s.sizes.test}` +
    (perLabel.length && perLabel.length <= 6 ? ` (train/validation/test per label: ${perLabel.join(', ')})` : '')
  );
}

/** 0.1 -> "10%", 0.125 -> "12.5%" */
export function pctText(x: number): string {
  return `${Number((100 * x).toFixed(1))}%`;
}
