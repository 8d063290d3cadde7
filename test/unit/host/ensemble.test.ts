// Ensembles of runs (gft ensemble): weights fit on validation only, the members' probabilities pooled (a weighted
// average of their log-probabilities with a fitted temperature, or of their probabilities), metrics recomputed from it, the members' checks (one-line errors), the ensemble's predictor, the
// CLI, an ensemble of cross-validations, and the report, domain-shift and reflection of an ensemble. Members:
// TF-IDF baselines with different C on 300 movie reviews.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Io } from '../../../src/host/cli';
import { loadBuiltin } from '../../../src/host/data';
import { evaluatePredictions } from '../../../src/host/eval';
import { combineProbs, fitEnsembleWeights, poolProbs } from '../../../src/host/eval/ensembleWeights';
import { buildReport, reportMarkdown } from '../../../src/host/report/report';
import { measureDomainShift } from '../../../src/host/report/domainShift';
import { writeReflection } from '../../../src/host/reflect';
import {
  compareRuns,
  crossValidate,
  ensembleCrossValidations,
  evaluateRun,
  loadPredictor,
  predictTexts,
  prepareData,
  runEnsemble,
  runTfidfBaseline,
} from '../../../src/host/jobs';
import { RunFolder } from '../../../src/host/runs';
import { exportRun } from '../../../src/host/export';
import type { EnsembleMember } from '../../../src/host/jobs';
import { ensemblePoolingText, type PredictionRecord } from '../../../src/protocol';

const tmp = () => mkdtempSync(join(tmpdir(), 'gft-ensemble-'));
const SPLIT = { validation: 0.2, test: 0.2, seed: 42 };

/** 150 positive and 150 negative built-in reviews as a JSONL file (small, not separable by a few words). */
function slice(): string {
  const ds = loadBuiltin('movie-reviews');
  const pick = (label: number) => ds.examples.filter((e) => e.label === label).slice(0, 150);
  const file = join(tmp(), 'reviews-300.jsonl');
  writeFileSync(file, [...pick(0), ...pick(1)].map((e) => JSON.stringify({ id: e.id, text: e.text, label: ds.labels[e.label] })).join('\n') + '\n');
  return file;
}

const DATA = slice();
const ROOT = tmp();

async function tfidf(C: number, id: string, split = SPLIT, root = ROOT): Promise<string> {
  const r = await runTfidfBaseline({ kind: 'tfidf', data: DATA, split, C, runsRoot: root, runId: id });
  assert.equal(r.status, 'completed', r.error);
  return r.runDir;
}

// The two members, made once (by the first test that needs them).
let A = '';
let B = '';
test.before(async () => {
  A = await tfidf(0.3, 'tfidf-c0.3');
  B = await tfidf(30, 'tfidf-c30');
});

function members(dir: string): EnsembleMember[] {
  return RunFolder.open(dir).manifest.config.members as EnsembleMember[];
}

/** The members' (A, B by id) and the ensemble's test predictions. */
function memberPredictions(run: RunFolder) {
  const pb = new Map(
    RunFolder.open(B)
      .readPredictions()
      .map((p) => [p.id, p]),
  );
  return { pa: RunFolder.open(A).readPredictions(), pb, pe: run.readPredictions() };
}

/** The log-linear pool of two members' probability rows, written out: p ∝ exp(T · (w0 · log a + w1 · log b)). */
function logLinear2(w: readonly number[], t: number, a: readonly number[], b: readonly number[]): number[] {
  const s = a.map((x, c) => Math.exp(t * (w[0] * Math.log(x) + w[1] * Math.log(b[c]))));
  const z = s.reduce((u, v) => u + v, 0);
  return s.map((x) => x / z);
}

test('the log-linear pool: rows as written out, for two labels a sigmoid of the weighted log-odds, the temperature of highest validation likelihood', () => {
  const labels = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1];
  // a cautious member (probabilities near 0.5, right 9 times of 10) and a sharp one (right 7 times of 10)
  const cautious = labels.map((y, i) => (i === 3 ? [0.55, 0.45] : y === 1 ? [0.38, 0.62] : [0.65, 0.35]));
  const sharp = labels.map((y, i) => (i % 3 === 1 ? (y === 1 ? [0.97, 0.03] : [0.04, 0.96]) : y === 1 ? [0.05, 0.95] : [0.9, 0.1]));
  const f = fitEnsembleWeights([cautious, sharp], labels, 'logits');
  assert.equal(f.combine, 'logits');
  assert.ok(Math.abs(f.weights[0] + f.weights[1] - 1) < 1e-9 && f.temperature > 0, `weights ${f.weights}, temperature ${f.temperature}`);
  assert.deepEqual(fitEnsembleWeights([cautious, sharp], labels, 'logits'), f);
  const pooled = poolProbs([cautious, sharp], f);
  const logit = (p: readonly number[]) => Math.log(p[1] / p[0]);
  for (const [i, row] of pooled.entries()) {
    assert.ok(Math.abs(row[0] + row[1] - 1) < 1e-12);
    const want = logLinear2(f.weights, f.temperature, cautious[i], sharp[i]);
    assert.ok(Math.abs(row[1] - want[1]) < 1e-12, `row ${i}`);
    const z = f.temperature * (f.weights[0] * logit(cautious[i]) + f.weights[1] * logit(sharp[i]));
    assert.ok(Math.abs(row[1] - 1 / (1 + Math.exp(-z))) < 1e-12, `row ${i}: sigmoid of the weighted log-odds`);
  }
  // validation figures: the plain log-likelihood and accuracy of the pooled probabilities
  assert.ok(Math.abs(f.validation.logLik - pooled.reduce((s, row, i) => s + Math.log(row[labels[i]]), 0) / labels.length) < 1e-12);
  assert.equal(f.validation.accuracy, pooled.filter((row, i) => (row[1] > row[0] ? 1 : 0) === labels[i]).length / labels.length);
  // the weights and temperature maximize the log-likelihood of Platt's smoothed targets, (N + 1) / (N + 2) for the
  // true class (5 examples of each class: 6/7): a little hotter or colder is worse, and so is any other weight of the
  // grid at any temperature (scanned in steps of 1%)
  const q = 6 / 7;
  const objective = (w: readonly number[], t: number) =>
    poolProbs([cautious, sharp], { combine: 'logits', weights: [...w], temperature: t }).reduce(
      (s, row, i) => s + q * Math.log(row[labels[i]]) + (1 - q) * Math.log(row[1 - labels[i]]),
      0,
    ) / labels.length;
  const best = objective(f.weights, f.temperature);
  for (const t of [f.temperature * 1.05, f.temperature / 1.05]) assert.ok(objective(f.weights, t) < best, `temperature ${t}`);
  for (let k = 0; k <= 20; k++) {
    const w = [k / 20, 1 - k / 20];
    for (let t = 0.05; t < 60; t *= 1.01) assert.ok(objective(w, t) <= best + 1e-9, `weights ${w}, temperature ${t}`);
  }
  // a validation set the pool separates still gets a finite temperature (the smoothed targets), below the search's bound
  const separable = fitEnsembleWeights(
    [sharp, sharp],
    labels.map((_, i) => (sharp[i][1] > 0.5 ? 1 : 0)),
    'logits',
  );
  assert.ok(separable.temperature < 60, `temperature ${separable.temperature}`);
  // the linear pool, for comparison: a temperature of 1, the weighted average
  const lin = fitEnsembleWeights([cautious, sharp], labels, 'probs');
  assert.equal(lin.temperature, 1);
  assert.deepEqual(poolProbs([cautious, sharp], lin), combineProbs([cautious, sharp], lin.weights));
  // identical members: equal weights; the default is the log-linear pool
  assert.deepEqual(fitEnsembleWeights([sharp, sharp], labels).weights, [0.5, 0.5]);
  assert.equal(fitEnsembleWeights([sharp, sharp], labels).combine, 'logits');
});

test('the weights: fit on validation, deterministic, equal for identical members, toward the better member', () => {
  const labels = [0, 1, 0, 1, 1, 0];
  const good = labels.map((y) => (y === 1 ? [0.1, 0.9] : [0.85, 0.15]));
  const bad = labels.map((_, i) => (i % 2 ? [0.7, 0.3] : [0.4, 0.6]));
  const f = fitEnsembleWeights([good, bad], labels, 'probs');
  assert.ok(f.weights[0] > 0.9, `weights ${f.weights}`);
  assert.deepEqual(fitEnsembleWeights([good, bad], labels, 'probs').weights, f.weights);
  assert.deepEqual(fitEnsembleWeights([good, good], labels, 'probs').weights, [0.5, 0.5]);
  // four members: the coordinate search, weights on the simplex
  const four = fitEnsembleWeights([bad, good, bad, good], labels, 'probs');
  assert.ok(Math.abs(four.weights.reduce((a, b) => a + b, 0) - 1) < 1e-9 && four.weights.every((w) => w >= 0));
  assert.ok(four.weights[1] + four.weights[3] > 0.9, `weights ${four.weights}`);
  // the log-linear pool on 40 examples the good member gets right 36 times, the bad one half the time
  const y40 = Array.from({ length: 40 }, (_, i) => i % 2);
  const good40 = y40.map((y, i) => (i % 10 === 3 ? [y === 1 ? 0.6 : 0.4, y === 1 ? 0.4 : 0.6] : y === 1 ? [0.15, 0.85] : [0.85, 0.15]));
  const bad40 = y40.map((_, i) => (i % 4 < 2 ? [0.35, 0.65] : [0.7, 0.3]));
  const g = fitEnsembleWeights([good40, bad40], y40, 'logits');
  assert.ok(g.weights[0] > 0.9, `weights ${g.weights}`);
  const four40 = fitEnsembleWeights([bad40, good40, bad40, good40], y40, 'logits');
  assert.ok(Math.abs(four40.weights.reduce((a, b) => a + b, 0) - 1) < 1e-9 && four40.weights.every((w) => w >= 0));
  assert.ok(four40.weights[1] + four40.weights[3] > 0.9, `weights ${four40.weights}`);
  assert.throws(() => fitEnsembleWeights([good], labels), /two or more/);
  assert.throws(() => fitEnsembleWeights([[], []], []), /no validation examples/);
});

test('an ensemble of two TF-IDF runs (--combine probs): weighted average of the probabilities, recomputed metrics, predictor, compare', async () => {
  const r = await runEnsemble({ runs: [A, B], runsRoot: ROOT, runId: 'ens', combine: 'probs' });
  assert.equal(r.status, 'completed', r.error);
  const run = RunFolder.open(r.runDir);
  assert.equal(run.manifest.kind, 'ensemble');
  const ms = members(r.runDir);
  assert.deepEqual(
    ms.map((m) => m.id),
    ['tfidf-c0.3', 'tfidf-c30'],
  );
  const w = ms.map((m) => m.weight);
  assert.ok(Math.abs(w[0] + w[1] - 1) < 1e-9, `weights ${w}`);
  assert.equal(readFileSync(join(r.runDir, 'split.json'), 'utf8'), readFileSync(join(A, 'split.json'), 'utf8'));
  // test probabilities: the weighted average of the members' test predictions (stored rounded to 1e-6)
  const { pa, pb, pe } = memberPredictions(run);
  assert.equal(pe.length, pa.length);
  for (const [i, p] of pe.entries()) {
    const q = pb.get(p.id)!;
    assert.equal(p.id, pa[i].id);
    assert.equal(p.label, pa[i].label);
    for (let c = 0; c < 2; c++) assert.ok(Math.abs(p.probs[c] - (w[0] * pa[i].probs[c] + w[1] * q.probs[c])) <= 1e-6, `${p.id}`);
  }
  // metrics recomputed from those probabilities
  const m = evaluatePredictions(
    pe.map((p) => p.label),
    pe.map((p) => p.probs),
    { labelNames: ['neg', 'pos'] },
  );
  assert.equal(run.manifest.test!.accuracy, m.accuracy);
  assert.equal(run.manifest.test!.accuracy, pe.filter((p) => p.pred === p.label).length / pe.length);
  assert.ok(Math.abs(run.manifest.test!.logLoss - m.logLoss) < 1e-5);
  assert.deepEqual(
    run
      .readMetrics()
      .filter((x) => x.type === 'eval')
      .map((x) => x.type === 'eval' && x.split),
    ['validation', 'test'],
  );
  // the predictor: members' predictors weighted, exactly (1e-9), and equal to predictions.jsonl on the test texts
  const data = prepareData({ data: DATA, split: SPLIT });
  const byId = new Map(data.test.map((e) => [e.id, e.text]));
  const texts = pe.map((p) => byId.get(p.id)!);
  const ens = await (await loadPredictor(r.runDir)).predictProba(texts);
  const direct = combineProbs([await (await loadPredictor(A)).predictProba(texts), await (await loadPredictor(B)).predictProba(texts)], w);
  for (const [i, row] of ens.entries()) {
    for (let c = 0; c < 2; c++) {
      assert.ok(Math.abs(row[c] - direct[i][c]) <= 1e-9);
      assert.ok(Math.abs(row[c] - pe[i].probs[c]) <= 1e-6);
    }
  }
  const pred = await predictTexts(r.runDir, ['a moving, brilliant film']);
  await assert.rejects(
    exportRun(r.runDir, join(tmp(), 'export')),
    (e: Error) => !e.message.includes('\n') && /is an ensemble.*gft export --run MEMBER/.test(e.message),
  );
  assert.deepEqual(pred.predictions[0].probs.length, 2);
  // gft compare pairs it with a member
  const c = compareRuns(A, r.runDir);
  assert.equal(c.n, pe.length);
  assert.equal(c.accuracyB, run.manifest.test!.accuracy);
});

test('an ensemble by default pools log-probabilities: test probabilities, ensemble.json, predictor; an older ensemble.json averages probabilities', async () => {
  const root = tmp();
  const r = await runEnsemble({ runs: [A, B], runsRoot: root, runId: 'ens-logits' });
  assert.equal(r.status, 'completed', r.error);
  const run = RunFolder.open(r.runDir);
  const config = run.manifest.config as { combine?: string; temperature?: number };
  assert.equal(config.combine, 'logits');
  const t = config.temperature!;
  assert.ok(t > 0);
  // in words, for the runs tree and the demo report
  assert.equal(ensemblePoolingText(config), `log-probabilities averaged, temperature ${t.toFixed(2)}`);
  const probs = await runEnsemble({ runs: [A, B], runsRoot: root, runId: 'ens-probs', combine: 'probs' });
  assert.equal(ensemblePoolingText(RunFolder.open(probs.runDir).manifest.config), 'probabilities averaged');
  const w = members(r.runDir).map((m) => m.weight);
  const file = join(r.runDir, 'checkpoints', 'best', 'ensemble.json');
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { combine: string; temperature: number; members: { weight: number }[] };
  assert.equal(saved.combine, 'logits');
  assert.equal(saved.temperature, t);
  // test probabilities: the log-linear pool of the members' test predictions (stored rounded to 1e-6)
  const { pa, pb, pe } = memberPredictions(run);
  for (const [i, p] of pe.entries()) {
    const want = logLinear2(w, t, pa[i].probs, pb.get(p.id)!.probs);
    assert.ok(Math.abs(p.probs[1] - want[1]) <= 2e-6, `${p.id}: ${p.probs[1]} vs ${want[1]}`);
  }
  assert.equal(run.manifest.test!.accuracy, pe.filter((p) => p.pred === p.label).length / pe.length);
  // the predictor pools the same way
  const data = prepareData({ data: DATA, split: SPLIT });
  const byId = new Map(data.test.map((e) => [e.id, e.text]));
  const texts = pe.slice(0, 20).map((p) => byId.get(p.id)!);
  const [ens, a, b] = await Promise.all([r.runDir, A, B].map(async (d) => (await loadPredictor(d)).predictProba(texts)));
  for (const [i, row] of ens.entries()) assert.ok(Math.abs(row[1] - logLinear2(w, t, a[i], b[i])[1]) <= 1e-9);
  // an ensemble.json written before the log-linear pool (no combine): the weighted average of the probabilities
  writeFileSync(file, JSON.stringify({ members: saved.members }));
  const old = await (await loadPredictor(r.runDir)).predictProba(texts);
  const avg = combineProbs([a, b], w);
  for (const [i, row] of old.entries()) assert.ok(Math.abs(row[1] - avg[i][1]) <= 1e-12);
});

test('the weights depend on validation only: other test labels in the members give the same weights', async () => {
  const root = tmp();
  const copy = (dir: string, id: string) => {
    const to = join(root, id);
    cpSync(dir, to, { recursive: true });
    const preds = readFileSync(join(to, 'predictions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PredictionRecord);
    writeFileSync(join(to, 'predictions.jsonl'), preds.map((p) => JSON.stringify({ ...p, label: 1 - p.label })).join('\n') + '\n');
    return to;
  };
  const before = await runEnsemble({ runs: [A, B], runsRoot: root, runId: 'e1' });
  const after = await runEnsemble({ runs: [copy(A, 'a2'), copy(B, 'b2')], runsRoot: root, runId: 'e2' });
  assert.equal(after.status, 'completed', after.error);
  assert.deepEqual(
    members(after.runDir).map((m) => m.weight),
    members(before.runDir).map((m) => m.weight),
  );
  assert.notEqual(after.test!.accuracy, before.test!.accuracy);
});

test('the checks: one member, a different split, a running member, a member without test predictions', async () => {
  const root = tmp();
  const oneLine = (re: RegExp) => (e: Error) => !e.message.includes('\n') && re.test(e.message);
  await assert.rejects(runEnsemble({ runs: [A], runsRoot: root }), oneLine(/two or more runs .*--runs DIR,DIR/));
  const other = await tfidf(1, 'other-split', { ...SPLIT, seed: 7 }, root);
  await assert.rejects(runEnsemble({ runs: [A, other], runsRoot: root }), oneLine(/different splits \(split\.json differs\)/));
  const running = join(root, 'running');
  cpSync(B, running, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(running, 'run.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(running, 'run.json'), JSON.stringify({ ...manifest, status: 'running' }));
  await assert.rejects(runEnsemble({ runs: [A, running], runsRoot: root }), oneLine(/is running, not completed/));
  const fewer = join(root, 'fewer');
  cpSync(B, fewer, { recursive: true });
  const lines = readFileSync(join(fewer, 'predictions.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(join(fewer, 'predictions.jsonl'), lines.slice(1).join('\n') + '\n');
  await assert.rejects(runEnsemble({ runs: [A, fewer], runsRoot: root }), oneLine(/test predictions; ensemble runs tested on the same examples/));
  // nothing was made for the refused ensembles
  assert.deepEqual((await import('node:fs')).readdirSync(root).sort(), ['fewer', 'other-split', 'running']);
});

async function gft(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false };
  return { code: await main(argv, io), out, err };
}

test('gft ensemble: weights, accuracies and paired tests; exit code 2 on bad input', async () => {
  const root = tmp();
  const ok = await gft('ensemble', '--runs', `${A},${B}`, '--out', join(root, 'e'));
  assert.equal(ok.code, 0, ok.err.join('\n'));
  const text = ok.out.join('\n');
  assert.match(text, /member TF-IDF baseline · C 0\.3: weight \d\.\d\d, validation accuracy [\d.]+%/);
  assert.match(text, /ensemble: test accuracy [\d.]+% \(95% CI [\d.]+% to [\d.]+%\)/);
  assert.equal((text.match(/ensemble vs .*McNemar exact p = /g) ?? []).length, 2);
  const help = await gft('ensemble', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out[0], /^Usage: gft ensemble --runs DIR,DIR/);
  const one = await gft('ensemble', '--runs', A);
  assert.equal(one.code, 2);
  assert.equal(one.err.length, 1);
  const missing = await gft('ensemble', '--runs', `${A},${join(root, 'nope')}`);
  assert.equal(missing.code, 2);
  assert.match(missing.err[0], /run folder not found/);
  const pooling = await gft('ensemble', '--runs', `${A},${B}`, '--combine', 'mean', '--out', join(root, 'never'));
  assert.equal(pooling.code, 2);
  assert.deepEqual(pooling.err.length, 1);
  assert.match(pooling.err[0], /--combine must be one of logits, probs \(got 'mean'\)/);
  assert.ok(!existsSync(join(root, 'never')));
  const other = await tfidf(1, 'other', { ...SPLIT, seed: 9 }, root);
  const split = await gft('ensemble', '--runs', `${A},${other}`);
  assert.equal(split.code, 2);
  assert.match(split.err[0], /different splits/);
});

test('an ensemble of two cross-validations: fold by fold, pooled, compared with a member', async () => {
  const root = tmp();
  const cv = async (C: number, name: string) => {
    const r = await crossValidate({ kind: 'tfidf', data: DATA, folds: 3, C, dir: join(root, name) });
    assert.equal(r.status, 'completed', r.error);
    return r.dir;
  };
  const a = await cv(0.3, 'cv-a');
  const b = await cv(30, 'cv-b');
  const r = await ensembleCrossValidations({ runs: [a, b], dir: join(root, 'cv-ens') });
  assert.equal(r.status, 'completed', r.error);
  assert.equal(r.summary!.kind, 'ensemble');
  assert.equal(r.summary!.pooled.n, 300);
  assert.equal(r.summary!.perFold.length, 3);
  for (const f of r.summary!.perFold) assert.equal(RunFolder.open(join(r.dir, f.runId)).manifest.kind, 'ensemble');
  const c = compareRuns(a, r.dir);
  assert.equal(c.n, 300);
  assert.equal(c.accuracyB, r.summary!.pooled.accuracy);
  // a run folder and a cross-validation folder do not mix (exit code 2)
  const mixed = await gft('ensemble', '--runs', `${a},${A}`);
  assert.equal(mixed.code, 2);
  assert.match(mixed.err[0], /either run folders or cross-validation folders/);
  // run again: the completed folds are kept
  const again = await ensembleCrossValidations({ runs: [a, b], dir: join(root, 'cv-ens') });
  assert.deepEqual(again.summary!.perFold, r.summary!.perFold);
});

test('the report, the domain-shift section and the reflection take an ensemble like any run', async () => {
  const root = tmp();
  for (const d of [A, B]) cpSync(d, join(root, d.split(/[\\/]/).pop()!), { recursive: true });
  const a = join(root, 'tfidf-c0.3');
  const b = join(root, 'tfidf-c30');
  const e = await runEnsemble({ runs: [a, b], runsRoot: root, runId: 'ens' });
  assert.equal(e.status, 'completed', e.error);
  const runs = [
    { title: 'TF-IDF C=0.3', runDir: a },
    { title: 'TF-IDF C=30', runDir: b },
    { title: 'Ensemble', runDir: e.runDir },
  ];
  const report = buildReport(runs, new Map());
  assert.deepEqual(
    report.models.map((m) => m.kind),
    ['baseline-tfidf', 'baseline-tfidf', 'ensemble'],
  );
  assert.equal(report.models[2].accuracy, e.test!.accuracy);
  assert.equal(report.comparisons.filter((c) => c.b === 'Ensemble').length, 2);
  // out of domain (gft eval --data builtin:rt-polarity): the log-linear pool of the members' probabilities
  const w = members(e.runDir).map((m) => m.weight);
  const t = (RunFolder.open(e.runDir).manifest.config as { temperature: number }).temperature;
  const [ea, eb, ee] = await Promise.all([a, b, e.runDir].map((d) => evaluateRun(d, 'builtin:rt-polarity')));
  assert.equal(ee.n, 10662);
  for (let i = 0; i < ee.n; i += 97)
    assert.ok(Math.abs(ee.predictions[i].probs[1] - logLinear2(w, t, ea.predictions[i].probs, eb.predictions[i].probs)[1]) <= 1e-4);
  const shift = await measureDomainShift(runs);
  assert.equal(shift.models.find((m) => m.kind === 'ensemble')?.accuracy, ee.accuracy);
  assert.match(reportMarkdown({ ...report, domainShift: shift }), /\| Ensemble \| /);
  const md = await writeReflection(root, { measureLatency: false });
  assert.match(md, /\| Ensemble \| – \| \d+\.\d% \|/);
  // its size in production: the members it ships (weight above 0), not its folder's few bytes
  assert.match(md, /Ensemble: size is its members' models \(TF-IDF baseline/);
});
