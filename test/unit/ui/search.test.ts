// Searches in the extension: the search folders under the runs root, a search's line in the Runs view, its runs in
// the trials view's order (final run first, then the trials best validation first), the notes above the trials,
// and the form's "Search…" request (the form's settings fixed except the searched ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunManifest, SearchRecord, SearchTrial } from '../../../src/protocol';
import { comparisonTable } from '../../../src/ui/viewmodel/comparison';
import { SEARCHED_KEYS } from '../../../src/shared/searchSpace';
import { listSearches, newSearchName, searchItem, searchNotes, searchParams, searchRole, searchRunDirs } from '../../../src/ui/viewmodel/search';
import { defaultValues, formFields, parseForm } from '../../../src/ui/viewmodel/fineTuneForm';

const trial = (n: number, values: (number | undefined)[]): SearchTrial => ({
  trial: n,
  sample: n,
  runId: `trial-0${n}`,
  sampled: { lr: n * 1e-5, trainLayers: 'head' },
  estimate: { epochSeconds: 10, setupSeconds: 1, shape: '' },
  rungs: values.map((value, r) => ({ epochs: [1, 3][r], status: value === undefined ? 'failed' : 'completed', value, estimatedSeconds: 10 })),
});

const record = (): SearchRecord => ({
  settings: { model: 'starter', data: 'builtin:movie-reviews', budgetMinutes: 10, seed: 0, maxTrials: 27, config: {} },
  space: { lr: 'log-uniform' },
  fixed: {},
  metric: 'accuracy',
  rungs: [1, 3],
  eta: 3,
  budget: { seconds: 600, covers: 'the probes and the trials' },
  probes: {},
  plan: { trials: 3, rungSizes: [3, 1], estimatedSeconds: 400 },
  trials: [trial(1, [0.7]), trial(2, [0.8, 0.86]), trial(3, [undefined])],
  spentSeconds: 420,
  status: 'completed',
  best: { trial: 2, runId: 'trial-02', value: 0.86, epochs: 3, config: {} },
  final: { runId: 'final', status: 'completed', test: { accuracy: 0.855, accuracyCI: [0.82, 0.89], macroF1: 0.85, n: 400 } },
});

test('searches under the runs root: their line in the Runs view, their runs in table order, their notes', () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-ui-search-'));
  const dir = join(root, 'search-1');
  for (const id of ['trial-01', 'trial-02', 'trial-03', 'final']) {
    mkdirSync(join(dir, id), { recursive: true });
    writeFileSync(join(dir, id, 'run.json'), '{}');
  }
  writeFileSync(join(dir, 'search.json'), JSON.stringify(record()));
  mkdirSync(join(root, 'a-run'));
  writeFileSync(join(root, 'a-run', 'run.json'), '{}');
  const all = listSearches(root);
  assert.equal(all.length, 1, 'only folders with a search.json');
  const s = all[0];
  const item = searchItem(s);
  assert.equal(item.label, 'Search · starter · 3 trials');
  assert.equal(item.description, 'completed · best val accuracy 0.8600 · test 85.5%');
  assert.ok(item.tooltip.some((l) => l.includes('rungs of 1, 3 epochs, trials per rung 3, 1')));
  assert.deepEqual(
    searchRunDirs(s).map((d) => d.slice(dir.length + 1)),
    ['final', 'trial-02', 'trial-01', 'trial-03'],
  );
  const notes = searchNotes(s);
  assert.match(notes[1], /^Final run: test accuracy 85\.5% \(95% CI 82\.0%–89\.0%, n 400\)\.$/);
  assert.match(notes[2], /^Best: trial-02: validation accuracy 0\.8600 at 3 epochs — lr 2e-5, train head$/);
  assert.match(notes[4], /^trial-03: failed/);
});

test("the form's Search… keeps the form's settings except the searched ones", () => {
  const fields = formFields({
    datasets: [{ value: 'builtin:movie-reviews', label: 'Movie reviews' }],
    cachedModels: [],
    defaultModel: 'starter',
    device: 'cpu',
    threads: 1,
  });
  const parsed = parseForm(fields, { ...defaultValues(fields), data: 'builtin:movie-reviews', epochs: '9', batchSize: '8', lr: '3e-5' });
  assert.ok(parsed.ok);
  const p = searchParams(parsed.value, '/runs', 12, 'search-x', { validation: 0.1, test: 0.2, seed: 1 });
  assert.equal(p.dir, join('/runs', 'search-x'));
  assert.equal(p.budgetMinutes, 12);
  assert.deepEqual(p.split, { validation: 0.1, test: 0.2, seed: 1 });
  assert.equal(p.config.epochs, 9, 'the top rung');
  assert.equal(p.config.batchSize, 8);
  for (const k of SEARCHED_KEYS) assert.equal(p.config[k], undefined, `${k} is searched`);
  assert.equal(p.device, 'cpu');
  assert.match(newSearchName(new Date('2026-12-06T23:10:05.123Z')), /^search-20261206-231005$/);
});

test('the comparison of a search says its trials were judged on validation only, not that their test metrics are missing', () => {
  const m = (id: string, over: Partial<RunManifest>): RunManifest => ({
    id,
    kind: 'finetune',
    status: 'completed',
    config: {},
    seed: 1,
    packages: {},
    device: 'cpu',
    hostPid: 1,
    startedAt: '2026-12-06T23:00:00Z',
    ...over,
  });
  const t = comparisonTable([
    { dir: '/s/trial-01', manifest: m('trial-01', { testSkipped: true, name: 'starter · lr 2e-5', search: { id: 'search-1', trial: 1 } }) },
    { dir: '/r/live', manifest: m('live', { status: 'running', name: 'my run' }) },
    { dir: '/s/final', manifest: m('final', { name: 'starter · lr 2e-5 #2', search: { id: 'search-1', trial: 'final' } }) },
  ]);
  assert.deepEqual(
    t.rows.map((r) => r.cells[0]),
    ['trial 1 · starter · lr 2e-5', 'my run', 'final run · starter · lr 2e-5 #2'],
    'the trials view says which trial each run is',
  );
  assert.ok(t.notes.includes('Judged on validation only (search trials; their test sets were not read): trial-01.'));
  assert.ok(t.notes.includes('No test metrics yet for live, final.'));
});

test("a search's runs say in the Runs view which trial each is, and which is the final run (whose name repeats the best trial's)", () => {
  assert.equal(searchRole({ search: { id: 'search-20261207-010203', trial: 'final' } }), 'final run');
  assert.equal(searchRole({ search: { id: 'search-20261207-010203', trial: 3 } }), 'trial 3');
  assert.equal(searchRole({}), '', 'a run outside a search says nothing more');
});

test("a search's line counts its trials in words: 1 trial, 2 trials", () => {
  const one = { ...record(), trials: record().trials.slice(0, 1) };
  assert.equal(searchItem({ dir: '/runs/search-20261207-010203', record: one }).label, 'Search · starter · 1 trial');
});

test("a search's line counts the trials that ran, not those the budget stopped before they started", () => {
  const planned = { ...trial(4, []), rungs: [] };
  const rec = { ...record(), trials: [...record().trials, planned], plan: { trials: 4, rungSizes: [4, 1], estimatedSeconds: 500 } };
  const item = searchItem({ dir: '/runs/search-20261207-010203', record: rec });
  assert.equal(item.label, 'Search · starter · 3 trials');
  assert.equal(item.description, 'completed · 1 planned not run · best val accuracy 0.8600 · test 85.5%');
  const running = searchItem({ dir: '/runs/search-20261207-010203', record: { ...rec, status: 'running', final: undefined } });
  assert.equal(running.description, 'running · 2 of 4 trials · best val accuracy 0.8600', 'while running, the plan is still being worked through');
});
