// The trials of a search (search.json) as a table sorted by validation metric, best first: `gft search`'s closing
// table and the extension's trials view show the same rows. Pure TypeScript.
import type { SearchRecord, SearchTrial } from './search';
import { trainLayersText, numberText, type TrainConfig } from '../shared/settings';
import { secondsDuration } from '../shared/format';

export interface TrialRow {
  trial: number;
  runId: string;
  /** Epochs of its last completed rung (0: none completed). */
  epochs: number;
  /** The best validation value of its last completed rung. */
  value?: number;
  status: string;
  /** The sampled settings in words, e.g. "lr 3.2e-5". */
  settings: string[];
  seconds: number;
  best: boolean;
}

const SHORT: Record<string, string> = { lr: 'lr', weightDecay: 'wd', warmupSteps: 'warmup', layerLrDecay: 'layer decay', maxLength: 'len' };

/** One searched setting's value in words. */
export function settingText(key: string, v: unknown): string {
  if (key === 'trainLayers') return `train ${trainLayersText(v as TrainConfig['trainLayers'])}`;
  if (typeof v === 'number') return `${SHORT[key] ?? key} ${numberText(v)}`;
  return key === 'longText' ? `${v}` : `${key} ${String(v)}`;
}

function lastCompleted(t: SearchTrial): { epochs: number; value?: number } {
  for (let r = t.rungs.length - 1; r >= 0; r--) if (t.rungs[r].status === 'completed') return { epochs: t.rungs[r].epochs, value: t.rungs[r].value };
  return { epochs: 0 };
}

/** The trials, best validation value first (loss: lowest); trials without a value last, by number. */
export function trialRows(rec: Pick<SearchRecord, 'trials' | 'metric' | 'best'>): TrialRow[] {
  const rows: TrialRow[] = rec.trials.map((t) => {
    const last = lastCompleted(t);
    const status = t.rungs.length === 0 ? 'not started' : t.rungs[t.rungs.length - 1].status;
    return {
      trial: t.trial,
      runId: t.runId,
      epochs: last.epochs,
      ...(last.value !== undefined ? { value: last.value } : {}),
      status,
      settings: Object.entries(t.sampled).map(([k, v]) => settingText(k, v)),
      seconds: t.rungs.reduce((a, r) => a + (r.seconds ?? 0), 0),
      best: rec.best?.trial === t.trial,
    };
  });
  const sign = rec.metric === 'loss' ? 1 : -1;
  return rows.sort((a, b) => {
    if (a.value === undefined || b.value === undefined)
      return a.value === undefined && b.value === undefined ? a.trial - b.trial : a.value === undefined ? 1 : -1;
    return a.value === b.value ? a.trial - b.trial : sign * (a.value - b.value);
  });
}

/** The rows as fixed-width text lines (a header first). */
export function trialTable(rec: Pick<SearchRecord, 'trials' | 'metric' | 'best'>): string[] {
  const rows = trialRows(rec);
  const head = ['', 'trial', 'epochs', `val ${rec.metric}`, 'time', 'status', 'settings'];
  const cells = rows.map((r) => [
    r.best ? '*' : '',
    r.runId,
    String(r.epochs),
    r.value === undefined ? '–' : r.value.toFixed(4),
    secondsDuration(r.seconds),
    r.status,
    r.settings.join(', '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, ...cells].map((c) =>
    c
      .map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
