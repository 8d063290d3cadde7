// Searches (gft search, the form's "Search…") as the Runs view and the trials view show them: the search folders
// under the runs root (search.json), a search's line in the tree, its runs in the order of the trials table (the
// final run first, then the trials by validation metric), the notes the comparison panel shows above the trials,
// and the request the form's "Search…" sends. No vscode: unit-tested.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FINAL_RUN, SEARCH_FILE, trialRows, type DataSource, type RunManifest, type SearchParams, type SearchRecord, type TrainConfig } from '../../protocol';
import { readJson } from '../../shared/node/runFiles';
import { SEARCHED_KEYS } from '../../shared/searchSpace';
import { pct, secondsDuration } from '../../shared/format';
import type { ParsedForm } from './fineTuneForm';

export interface SearchListing {
  dir: string;
  record: SearchRecord;
}

/** The search folders directly under `root` (those with a readable search.json), newest folder name last. */
export function listSearches(root: string): SearchListing[] {
  if (!existsSync(root)) return [];
  const out: SearchListing[] = [];
  for (const name of readdirSync(root).sort()) {
    const file = join(root, name, SEARCH_FILE);
    if (!existsSync(file)) continue;
    try {
      out.push({ dir: join(root, name), record: readJson<SearchRecord>(file) });
    } catch {
      /* a search.json being written: shown on the next refresh */
    }
  }
  return out;
}

const metricWords = (m: SearchRecord['metric']) => (m === 'macroF1' ? 'macro F1' : m);

/** The search's line in the Runs view: its label, the description beside it and the lines of its tooltip. */
export function searchItem(s: SearchListing): { label: string; description: string; tooltip: string[] } {
  const r = s.record;
  const name = s.dir.split(/[\\/]/).pop() ?? s.dir;
  const done = r.trials.filter((t) => t.rungs.some((x) => x.status === 'completed')).length;
  // The plan's last trials may never start (the budget ran out first): the label counts the trials that ran.
  const ran = r.trials.filter((t) => t.rungs.length > 0).length;
  const notRun = r.trials.length - ran;
  const test = r.final?.test;
  const description = [
    r.status === 'running' ? `running · ${done} of ${r.plan?.trials ?? '?'} trials` : r.status,
    r.status !== 'running' && notRun ? `${notRun} planned not run` : '',
    r.best ? `best val ${metricWords(r.metric)} ${r.best.value.toFixed(4)}` : '',
    test ? `test ${pct(test.accuracy)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const tooltip = [
    `search ${name}: ${r.settings.model} on ${r.settings.data ?? '?'}`,
    `budget ${r.settings.budgetMinutes} min (${r.budget.covers}); spent ${secondsDuration(r.spentSeconds)}`,
    `rungs of ${r.rungs.join(', ')} epochs${r.plan ? `, trials per rung ${r.plan.rungSizes.join(', ')}` : ''}`,
    ...Object.entries(r.space).map(([k, v]) => `${k}: ${v}`),
    ...(r.stopReason ? [`stopped: ${r.stopReason}`] : []),
    ...(r.error ? [`error: ${r.error}`] : []),
  ];
  return { label: `Search · ${r.settings.model} · ${ran} trial${ran === 1 ? '' : 's'}`, description, tooltip };
}

/**
 * What a run is in its search, shown before its name in the Runs view ('final run', 'trial 3'); '' outside a
 * search. Names alone do not tell: the final run retrains the best trial's settings and so takes its name, '#2'.
 */
export function searchRole(m: Pick<RunManifest, 'search'>): string {
  if (!m.search) return '';
  return m.search.trial === 'final' ? 'final run' : `trial ${m.search.trial}`;
}

/** The run folders of a search that exist: the final run first, then the trials best first by validation metric. */
export function searchRunDirs(s: SearchListing): string[] {
  const dirs = [FINAL_RUN, ...trialRows(s.record).map((r) => r.runId)].map((id) => join(s.dir, id));
  return dirs.filter((d) => existsSync(join(d, 'run.json')));
}

/** The lines the trials view shows above the comparison: what was searched and the trials table. */
export function searchNotes(s: SearchListing): string[] {
  const r = s.record;
  const t = r.final?.test;
  return [
    `Trials judged on validation ${metricWords(r.metric)} only; the final run trained the best configuration again and was tested once.`,
    ...(t ? [`Final run: test accuracy ${pct(t.accuracy)} (95% CI ${pct(t.accuracyCI[0])}–${pct(t.accuracyCI[1])}, n ${t.n}).`] : []),
    ...trialRows(r).map(
      (x) =>
        `${x.best ? 'Best: ' : ''}${x.runId}: ${x.value === undefined ? x.status : `validation ${metricWords(r.metric)} ${x.value.toFixed(4)} at ${x.epochs} epoch${x.epochs === 1 ? '' : 's'}`} — ${x.settings.join(', ')}`,
    ),
  ];
}

/**
 * The form's "Search…": the form's settings fixed except the searched ones (sampled instead); its epochs are the
 * top rung. `name` is the new search folder's name under the runs root.
 */
export function searchParams(p: ParsedForm, runsRoot: string, budgetMinutes: number, name: string, split?: DataSource['split']): SearchParams {
  const config: Partial<TrainConfig> = { ...p.config };
  for (const k of SEARCHED_KEYS) delete config[k];
  return { model: p.model, data: p.data, ...(split ? { split } : {}), dir: join(runsRoot, name), budgetMinutes, config, device: p.device, threads: p.threads };
}

/** A new search folder's name: search-<UTC time to the second>. */
export function newSearchName(now = new Date()): string {
  return `search-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .replace('T', '-')}`;
}
