// The results panel's view models: comparison parts (overlaid curves, paired-test rows, confusion and reliability),
// the review browser's fixed/broken, length and saliency logic, and notes.json IO.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecord, PredictionRecord, RunManifest } from '../../../src/protocol';
import { calibration, evaluatePredictions } from '../../../src/host/eval/metrics';
import { comparePredictions } from '../../../src/host/eval/compare';
import {
  confusionFromPredictions,
  confusionView,
  defaultReference,
  eceOf,
  macroF1CI,
  overlaidCurves,
  reliabilityFromPredictions,
  reliabilityView,
  significanceRow,
} from '../../../src/ui/viewmodel/compareView';
import { macroF1 } from '../../../src/shared/stats';
import { lengthBuckets, reviewModel, reviewPage, wordCount } from '../../../src/ui/viewmodel/review';
import { readSaliency, saliencySpans } from '../../../src/ui/viewmodel/saliency';
import { NOTES_FILE, readNotes, saveNote } from '../../../src/ui/viewmodel/notes';
import { tempDir } from '../tempDir';

const step = (s: number, loss: number): MetricRecord => ({ type: 'step', step: s, epoch: 0, loss, lr: 1e-5, step_ms: 1, time: 't' });
const val = (s: number, accuracy: number): MetricRecord => ({
  type: 'eval',
  step: s,
  epoch: 0,
  split: 'validation',
  time: 't',
  metrics: { accuracy, macroF1: accuracy, rocAuc: null, logLoss: 0.5, ece: 0.1 },
});
const pred = (id: string, label: number, p1: number): PredictionRecord => ({ id, label, pred: p1 >= 0.5 ? 1 : 0, probs: [1 - p1, p1], split: 'test' });

test('overlaidCurves puts each run on a shared step axis, one series per run, null where a run has no point', () => {
  const [loss, acc] = overlaidCurves([
    { id: 'a', metrics: [step(1, 1), step(2, 0.5), val(2, 0.7)] },
    { id: 'b', metrics: [step(2, 0.8), step(3, 0.6), val(3, 0.9)] },
    { id: 'tfidf', metrics: [] },
  ]);
  assert.equal(loss.id, 'compare-loss');
  assert.deepEqual(loss.x, [1, 2, 3]);
  // The baseline has no curve: it is left out rather than listed empty.
  assert.deepEqual(
    loss.series.map((s) => s.label),
    ['a train loss', 'b train loss'],
  );
  assert.deepEqual(
    acc.series.map((s) => s.label),
    ['a val accuracy', 'b val accuracy'],
  );
  // EMA (alpha 0.1) per run: a = 1, 0.95; b = 0.8, 0.78.
  assert.deepEqual(
    loss.series[0].values.map((v) => (v === null ? null : +v.toFixed(6))),
    [1, 0.95, null],
  );
  assert.deepEqual(
    loss.series[1].values.map((v) => (v === null ? null : +v.toFixed(6))),
    [null, 0.8, 0.78],
  );
  assert.deepEqual(acc.x, [2, 3]);
  assert.deepEqual(acc.series[0].values, [0.7, null]);
  assert.deepEqual(acc.series[1].values, [null, 0.9]);
});

const manifest = (id: string, kind: RunManifest['kind'], test = true): { dir: string; manifest: RunManifest } => ({
  dir: `/r/${id}`,
  manifest: {
    id,
    kind,
    status: 'completed',
    config: {},
    seed: 1,
    packages: {},
    device: 'cpu',
    hostPid: 1,
    startedAt: 't',
    ...(test ? { test: {} as RunManifest['test'] } : {}),
  },
});

test('defaultReference prefers the TF-IDF baseline, then another baseline, then the first run with test metrics', () => {
  assert.equal(defaultReference([manifest('ft', 'finetune'), manifest('emb', 'baseline-embeddings'), manifest('tf', 'baseline-tfidf')]), '/r/tf');
  assert.equal(defaultReference([manifest('ft', 'finetune'), manifest('emb', 'baseline-embeddings')]), '/r/emb');
  assert.equal(defaultReference([manifest('live', 'finetune', false), manifest('ft', 'finetune')]), '/r/ft');
  assert.equal(defaultReference([]), undefined);
});

test('significanceRow formats the host comparison: difference, paired CI, discordant pairs, McNemar p and verdict', () => {
  // 40 examples; reference right on the first 24, the run right on the first 24 plus 10 more minus 2.
  const labels = Array.from({ length: 40 }, (_, i) => i % 2);
  const ref = labels.map((l, i) => ({ id: `x${i}`, label: l, pred: i < 24 ? l : 1 - l }));
  const run = labels.map((l, i) => ({ id: `x${i}`, label: l, pred: i < 34 && i !== 0 && i !== 1 ? l : 1 - l }));
  const c = comparePredictions(ref, run, 0, 500);
  assert.equal(c.onlyBCorrect, 10);
  assert.equal(c.onlyACorrect, 2);
  const row = significanceRow({ id: 'ft', dir: '/r/ft' }, 'tfidf', c);
  assert.equal(row.difference, '+20.0 pts');
  assert.equal(row.discordant, '10 right only here · 2 right only in tfidf');
  // Exact two-sided binomial: 2 * P(X <= 2 | n = 12) = 2 * 79 / 4096.
  assert.equal(row.p, ((2 * 79) / 4096).toPrecision(2));
  assert.equal(row.significant, true);
  assert.match(row.verdict, /^better than tfidf/);
  assert.match(row.ci, /^\+\d+\.\d to \+\d+\.\d$/);
  const worse = significanceRow({ id: 'ft', dir: '/r/ft' }, 'tfidf', { ...c, difference: -0.01, differenceCI: [-0.04, 0.02], mcnemarP: 0.6 });
  assert.equal(worse.difference, '−1.0 pts');
  assert.equal(worse.ci, '−4.0 to +2.0');
  assert.equal(worse.significant, false);
  assert.equal(worse.verdict, 'not significant at 0.05');
  const failed = significanceRow({ id: 'ft', dir: '/r/ft' }, 'tfidf', { error: 'compare: the runs have 400 and 500 predictions' });
  assert.equal(failed.error, 'compare: the runs have 400 and 500 predictions');
  assert.equal(failed.significant, false);
});

test('confusionView shades by the share of the row; confusionFromPredictions counts [true][pred]', () => {
  const preds = [pred('a', 0, 0.1), pred('b', 0, 0.7), pred('c', 0, 0.2), pred('d', 1, 0.9), pred('e', 1, 0.4)];
  const m = confusionFromPredictions(preds, 2);
  assert.deepEqual(m, [
    [2, 1],
    [1, 1],
  ]);
  const v = confusionView('r', ['neg', 'pos'], m);
  assert.equal(v.n, 5);
  assert.deepEqual(
    v.cells[0].map((c) => +c.share.toFixed(4)),
    [0.6667, 0.3333],
  );
  assert.deepEqual(
    v.cells.map((row) => row.map((c) => c.correct)),
    [
      [true, false],
      [false, true],
    ],
  );
  assert.deepEqual(
    confusionView(
      'r',
      ['a', 'b'],
      [
        [0, 0],
        [3, 0],
      ],
    ).cells[0].map((c) => c.share),
    [0, 0],
  );
});

test('reliabilityFromPredictions bins like the host calibration (same bins, counts, confidence, accuracy and ECE)', () => {
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const preds = Array.from({ length: 300 }, (_, i) => pred(`x${i}`, i % 2, rnd()));
  const ours = reliabilityFromPredictions(preds);
  const host = calibration(
    preds.map((p) => p.label),
    preds.map((p) => p.probs),
  );
  assert.equal(ours.length, 10);
  for (let b = 0; b < 10; b++) {
    assert.equal(ours[b].count, host.reliability[b].count);
    assert.ok(Math.abs(ours[b].confidence - host.reliability[b].confidence) < 1e-12);
    assert.ok(Math.abs(ours[b].accuracy - host.reliability[b].accuracy) < 1e-12);
  }
  assert.ok(Math.abs(eceOf(ours) - host.ece) < 1e-12);
  // Binary top probabilities are >= 0.5: the lower five bins are empty and left out of the diagram.
  const view = reliabilityView('r', ours);
  assert.equal(view.bins.length, ours.filter((b) => b.count > 0).length);
  assert.ok(view.bins.every((b) => b.lo >= 0.5));
  assert.equal(view.n, 300);
  assert.equal(view.ece, eceOf(ours).toFixed(3));
});

test('lengthBuckets: nearest-rank quartiles as inclusive word-count ranges; ties merge empty quartiles', () => {
  const b = lengthBuckets([10, 20, 30, 40, 50, 60, 70, 80]);
  assert.deepEqual(
    b.map((x) => [x.min, x.max, x.count]),
    [
      [10, 20, 2],
      [21, 40, 2],
      [41, 60, 2],
      [61, 80, 2],
    ],
  );
  assert.equal(b[1].label, '21–40 words');
  const ties = lengthBuckets([5, 5, 5, 5, 5, 9]);
  assert.deepEqual(
    ties.map((x) => [x.min, x.max, x.count]),
    [
      [5, 5, 5],
      [6, 9, 1],
    ],
  );
  assert.deepEqual(lengthBuckets([]), []);
  assert.equal(wordCount('  a  b\nc\t'), 3);
});

test('reviewPage: fixed / broken versus a baseline on the same test ids, FP/FN of the wrong side, counts', () => {
  // label, this run's p(pos), baseline's p(pos)
  const rows: [string, number, number, number][] = [
    ['a', 1, 0.9, 0.2], // fixed (baseline FN)
    ['b', 0, 0.1, 0.8], // fixed (baseline FP)
    ['c', 1, 0.3, 0.7], // broken (this run FN)
    ['d', 0, 0.6, 0.6], // both wrong (FP)
    ['e', 1, 0.8, 0.9], // both right
    ['f', 0, 0.95, 0.1], // broken (FP)
  ];
  const run = rows.map(([id, l, p]) => pred(id, l, p));
  const base = rows.map(([id, l, , q]) => pred(id, l, q));
  const extras = { baseline: { dir: '/r/base', id: 'base', predictions: base }, baselines: [{ dir: '/r/base', id: 'base' }] };
  const q = { filter: 'all' as const, positive: 1 };
  const fixed = reviewPage(run, ['neg', 'pos'], { ...q, baseline: '/r/base', change: 'fixed' }, undefined, extras);
  assert.deepEqual(fixed.rows.map((i) => i.id).sort(), ['a', 'b']);
  assert.deepEqual(fixed.versus, { id: 'base', shared: 6, fixed: 2, broken: 2 });
  assert.ok(fixed.rows.every((i) => i.correct && i.change === 'fixed'));
  assert.equal(fixed.rows.find((i) => i.id === 'a')!.kind, 'FN'); // the baseline's mistake
  assert.equal(fixed.rows.find((i) => i.id === 'a')!.baselinePred, 'neg');
  assert.deepEqual(fixed.counts, { all: 2, fp: 1, fn: 1 });
  const brokenFp = reviewPage(run, ['neg', 'pos'], { ...q, filter: 'fp', baseline: '/r/base', change: 'broken' }, undefined, extras);
  assert.deepEqual(
    brokenFp.rows.map((i) => i.id),
    ['f'],
  );
  assert.equal(brokenFp.wrong, 3);
  const all = reviewPage(run, ['neg', 'pos'], { ...q, baseline: '/r/base', change: 'all' }, undefined, extras);
  assert.deepEqual(
    all.rows.map((i) => i.id),
    ['f', 'c', 'd'],
  ); // confidences 0.95, 0.7, 0.6
  assert.deepEqual(all.warnings, []);
  // Without a baseline the change filter is ignored; a baseline missing ids says so.
  assert.equal(reviewPage(run, ['neg', 'pos'], { ...q, change: 'fixed' }).query.change, 'all');
  const partial = reviewPage(run, ['neg', 'pos'], { ...q, baseline: '/r/base', change: 'fixed' }, undefined, {
    baseline: { dir: '/r/base', id: 'base', predictions: base.slice(1) },
  });
  assert.deepEqual(
    partial.rows.map((i) => i.id),
    ['b'],
  );
  assert.match(partial.warnings[0], /base has predictions for 5 of this run's 6 test examples/);
});

test('reviewPage: length quartile filter by word count, with saliency spans and notes on the items', () => {
  const texts: Record<string, string> = { a: 'one two', b: 'one two three four', c: 'w '.repeat(6), d: 'w '.repeat(8), e: 'a b c d e f g h i j' };
  const run = [pred('a', 0, 0.9), pred('b', 0, 0.8), pred('c', 0, 0.7), pred('d', 0, 0.6), pred('e', 1, 0.9)];
  const q = { filter: 'all' as const, positive: 1 };
  const page = reviewPage(run, ['neg', 'pos'], { ...q, length: 1 }, (id) => texts[id], {
    saliency: new Map([
      [
        'b',
        [
          ['two', 1],
          ['four', -0.5],
        ] as [string, number][],
      ],
    ]),
    notes: { b: 'sarcasm?' },
  });
  assert.deepEqual(
    page.lengths.map((b) => [b.min, b.max]),
    [
      [2, 4],
      [5, 6],
      [7, 8],
      [9, 10],
    ],
  );
  assert.deepEqual(
    page.rows.map((i) => i.id),
    ['c'],
  );
  assert.equal(page.rows[0].words, 6);
  const model = reviewModel(run, ['neg', 'pos'], { ...q, length: 0 }, (id) => texts[id], {
    saliency: new Map([
      [
        'b',
        [
          ['two', 1],
          ['four', -0.5],
        ] as [string, number][],
      ],
    ]),
    notes: { b: 'sarcasm?' },
  });
  const first = model.page;
  assert.deepEqual(
    first.rows.map((i) => [i.id, !!i.salient, i.note]),
    [
      ['a', false, undefined],
      ['b', true, 'sarcasm?'],
    ],
  );
  const b = model.item('b')!;
  assert.equal(b.note, 'sarcasm?');
  assert.equal(b.text, texts.b);
  assert.deepEqual(b.saliency, [{ text: 'one ' }, { text: 'two', score: 1 }, { text: ' three ' }, { text: 'four', score: -0.5 }]);
  assert.equal(first.saliencyCount, 1);
  // No texts: no length buckets, the filter is ignored.
  const none = reviewPage(run, ['neg', 'pos'], { ...q, length: 2 });
  assert.deepEqual(none.lengths, []);
  assert.equal(none.total, 4);
});

test('saliencySpans lays words over the text case-insensitively, keeps line breaks, falls back to the words', () => {
  const spans = saliencySpans('A great film.\nReally GREAT!', [
    ['a', 0.1],
    ['great', 1],
    ['really', -0.3],
    ['great', 0.6],
  ]);
  assert.deepEqual(spans, [
    { text: 'A', score: 0.1, minor: true },
    { text: ' ' },
    { text: 'great', score: 1 },
    { text: ' film.\n' },
    { text: 'Really', score: -0.3 },
    { text: ' ' },
    { text: 'GREAT', score: 0.6 },
    { text: '!' },
  ]);
  assert.equal(spans.map((s) => s.text).join(''), 'A great film.\nReally GREAT!');
  // A word that is not in the text is skipped while most words match...
  const mostly = saliencySpans('good plot and fine acting', [
    ['good', 1],
    ['zzz', 0.2],
    ['plot', -1],
    ['and', 0],
    ['fine', 0.1],
    ['acting', 0.3],
  ]);
  assert.deepEqual(
    mostly.filter((s) => s.score !== undefined).map((s) => s.text),
    ['good', 'plot', 'and', 'fine', 'acting'],
  );
  assert.equal(mostly.map((s) => s.text).join(''), 'good plot and fine acting');
  // ...but when many are missing (a tokenizer that rewrote the text) the words are shown as they are.
  assert.deepEqual(
    saliencySpans('something else', [
      ['good', 1],
      ['plot', -1],
    ]),
    [{ text: 'good', score: 1 }, { text: ' ' }, { text: 'plot', score: -1 }],
  );
  assert.deepEqual(saliencySpans(undefined, [['x', 0.5]]), [{ text: 'x', score: 0.5 }]);
});

test('readSaliency reads saliency.jsonl by id; a torn last line is ignored', (t) => {
  const dir = tempDir(t, 'gft-sal-');
  try {
    assert.equal(readSaliency(dir).size, 0);
    writeFileSync(
      join(dir, 'saliency.jsonl'),
      `${JSON.stringify({
        id: 'a',
        label: 0,
        pred: 1,
        rowsTowardPred: 1,
        words: [
          ['bad', -0.5],
          ['fun', 1],
        ],
      })}\n{"id":"b","wor`,
    );
    const m = readSaliency(dir);
    assert.deepEqual([...m.keys()], ['a']);
    assert.deepEqual(m.get('a'), [
      ['bad', -0.5],
      ['fun', 1],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saveNote writes notes.json atomically beside the run files, updates and removes notes, never clobbers a damaged file', (t) => {
  const dir = tempDir(t, 'gft-notes-');
  try {
    writeFileSync(join(dir, 'run.json'), '{"id":"r"}');
    writeFileSync(join(dir, 'predictions.jsonl'), '{"id":"a"}\n');
    assert.deepEqual(readNotes(dir), { notes: {} });
    const at = saveNote(dir, 'neg/cv001', 'irony the model misses', new Date('2026-11-26T12:00:00Z'));
    assert.equal(at, '2026-11-26T12:00:00.000Z');
    saveNote(dir, 'pos/cv002', 'line one\nline "two"');
    assert.deepEqual(readNotes(dir).notes, { 'neg/cv001': 'irony the model misses', 'pos/cv002': 'line one\nline "two"' });
    const file = JSON.parse(readFileSync(join(dir, NOTES_FILE), 'utf8'));
    assert.equal(file.version, 1);
    assert.equal(file.notes['neg/cv001'].updatedAt, '2026-11-26T12:00:00.000Z');
    saveNote(dir, 'neg/cv001', '   ');
    assert.deepEqual(Object.keys(readNotes(dir).notes), ['pos/cv002']);
    // Only notes.json was added: no temp files left, the other files unchanged.
    assert.deepEqual(readdirSync(dir).sort(), ['notes.json', 'predictions.jsonl', 'run.json']);
    assert.equal(readFileSync(join(dir, 'run.json'), 'utf8'), '{"id":"r"}');
    writeFileSync(join(dir, NOTES_FILE), '{"notes": {"x": ');
    assert.match(readNotes(dir).error ?? '', /notes\.json is not valid JSON .*fix or move it/);
    assert.throws(() => saveNote(dir, 'a', 'new'), /notes\.json is not valid JSON: fix or move it/);
    assert.equal(readFileSync(join(dir, NOTES_FILE), 'utf8'), '{"notes": {"x": ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('macroF1 equals the host metrics; its bootstrap CI holds the estimate, is seeded, and is a point for a perfect model', () => {
  let s = 3;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const preds = Array.from({ length: 400 }, (_, i) => pred(`x${i}`, i % 2, i % 2 ? 0.3 + 0.7 * rnd() : 0.7 * rnd()));
  const host = evaluatePredictions(
    preds.map((p) => p.label),
    preds.map((p) => p.probs),
    { resamples: 10 },
  );
  const f1 = macroF1(confusionFromPredictions(preds, 2));
  assert.ok(Math.abs(f1 - host.macroF1) < 1e-12);
  const [lo, hi] = macroF1CI(preds, 2);
  assert.ok(lo < f1 && f1 < hi, `${lo} < ${f1} < ${hi}`);
  // About ±2 standard errors of a proportion near 0.8 on 400 examples: a few points each side.
  assert.ok(hi - lo > 0.03 && hi - lo < 0.15, `width ${hi - lo}`);
  assert.deepEqual(macroF1CI(preds, 2), [lo, hi]);
  assert.notDeepEqual(macroF1CI(preds, 2, 1000, 2), [lo, hi]);
  assert.deepEqual(
    macroF1CI(
      preds.map((p) => ({ ...p, pred: p.label })),
      2,
    ),
    [1, 1],
  );
  assert.ok(macroF1CI([], 2).every(Number.isNaN));
});
