// The comparison table of several runs, with notes when the numbers are not comparable. No vscode import.
import { runName, type RunManifest } from '../../protocol';
import type { ComparisonTable } from '../../protocol/webviewMessages';
import { duration, kindLabel, num, pct } from './format';
import { searchRole } from './search';

export const COMPARISON_COLUMNS = ['Run', 'Kind', 'Model', 'Status', 'Test accuracy (95% CI)', 'Macro F1', 'ROC AUC', 'ECE', 'Best validation', 'Time'];

/** paired: the caller shows the paired tests itself (the comparison panel), so the note points to them. */
export function comparisonTable(runs: readonly { dir: string; manifest: RunManifest }[], opts: { paired?: boolean } = {}): ComparisonTable {
  const withTest = runs.filter((r) => r.manifest.test);
  const bestAcc = Math.max(...withTest.map((r) => r.manifest.test!.accuracy));
  const rows = runs.map(({ dir, manifest: m }) => {
    const t = m.test;
    return {
      runId: m.id,
      dir,
      best: !!t && withTest.length > 1 && t.accuracy === bestAcc,
      cells: [
        // in a search's trials view, which trial each run is (the final run's name repeats the best trial's)
        [searchRole(m), runName(m)].filter(Boolean).join(' · '),
        kindLabel(m.kind),
        m.model?.id ?? '–',
        m.status,
        t ? `${pct(t.accuracy)} (${pct(t.accuracyCI?.[0])}–${pct(t.accuracyCI?.[1])})` : '–',
        pct(t?.macroF1),
        num(t?.rocAuc),
        num(t?.ece),
        m.best ? `${m.best.metric} ${m.best.metric === 'loss' ? num(m.best.value) : pct(m.best.value)}` : '–',
        duration(m.durationMs) || '–',
      ],
    };
  });
  const notes: string[] = [];
  const missing = runs.filter((r) => !r.manifest.test && !r.manifest.testSkipped).map((r) => r.manifest.id);
  if (missing.length) notes.push(`No test metrics yet for ${missing.join(', ')}.`);
  const trials = runs.filter((r) => r.manifest.testSkipped).map((r) => r.manifest.id);
  if (trials.length) notes.push(`Judged on validation only (search trials; their test sets were not read): ${trials.join(', ')}.`);
  const keyOf = (m: RunManifest) => `${m.dataset?.hash ?? '?'}|${m.dataset?.splitHash ?? '?'}`;
  const keys = new Set(withTest.map((r) => keyOf(r.manifest)));
  if (keys.size > 1) {
    notes.push('These runs were not tested on the same examples (different dataset or split hash): their accuracies are not directly comparable.');
  }
  const sizes = new Set(withTest.map((r) => r.manifest.test!.n));
  if (withTest.length > 1 && sizes.size === 1) {
    const n = [...sizes][0];
    // One example moves accuracy by 1/n: differences smaller than the CI width are within noise.
    const next = opts.paired ? 'the paired tests below say whether it is more than that' : '"Compare runs" on two runs gives the paired test';
    notes.push(
      `Each run was tested on ${n} examples: one example is ${pct(1 / n, 2)} of accuracy. Overlapping confidence intervals mean the difference may be noise; ${next}.`,
    );
  }
  return { columns: COMPARISON_COLUMNS, rows, notes };
}
