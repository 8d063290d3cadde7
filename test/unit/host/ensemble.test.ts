// Ensembles of runs (gft ensemble): weights fit on validation only, the weighted average of the members'
// probabilities, metrics recomputed from it, the members' checks (one-line errors), the ensemble's predictor, the
// CLI, an ensemble of cross-validations, and the report, domain-shift and reflection of an ensemble. Members:
// TF-IDF baselines with different C on 300 movie reviews.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Io } from '../../../src/host/cli';
import { loadBuiltin } from '../../../src/host/data';
import { evaluatePredictions } from '../../../src/host/eval';
import { combineProbs, fitEnsembleWeights } from '../../../src/host/eval/ensembleWeights';
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
import type { PredictionRecord } from '../../../src/protocol';

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

test('the weights: fit on validation, deterministic, equal for identical members, toward the better member', () => {
  const labels = [0, 1, 0, 1, 1, 0];
  const good = labels.map((y) => (y === 1 ? [0.1, 0.9] : [0.85, 0.15]));
  const bad = labels.map((_, i) => (i % 2 ? [0.7, 0.3] : [0.4, 0.6]));
  const f = fitEnsembleWeights([good, bad], labels);
  assert.ok(f.weights[0] > 0.9, `weights ${f.weights}`);
  assert.deepEqual(fitEnsembleWeights([good, bad], labels).weights, f.weights);
  assert.deepEqual(fitEnsembleWeights([good, good], labels).weights, [0.5, 0.5]);
  // four members: the coordinate search, weights on the simplex
  const four = fitEnsembleWeights([bad, good, bad, good], labels);
  assert.ok(Math.abs(four.weights.reduce((a, b) => a + b, 0) - 1) < 1e-9 && four.weights.every((w) => w >= 0));
  assert.ok(four.weights[1] + four.weights[3] > 0.9, `weights ${four.weights}`);
  assert.throws(() => fitEnsembleWeights([good], labels), /two or more/);
  assert.throws(() => fitEnsembleWeights([[], []], []), /no validation examples/);
});

test('an ensemble of two TF-IDF runs: weighted average of the probabilities, recomputed metrics, predictor, compare', async () => {
  const r = await runEnsemble({ runs: [A, B], runsRoot: ROOT, runId: 'ens' });
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
  const pa = RunFolder.open(A).readPredictions();
  const pb = new Map(
    RunFolder.open(B)
      .readPredictions()
      .map((p) => [p.id, p]),
  );
  const pe = run.readPredictions();
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
  // out of domain (gft eval --data builtin:rt-polarity): the weighted average of the members' probabilities
  const w = members(e.runDir).map((m) => m.weight);
  const [ea, eb, ee] = await Promise.all([a, b, e.runDir].map((d) => evaluateRun(d, 'builtin:rt-polarity')));
  assert.equal(ee.n, 10662);
  for (let i = 0; i < ee.n; i += 97)
    assert.ok(Math.abs(ee.predictions[i].probs[1] - (w[0] * ea.predictions[i].probs[1] + w[1] * eb.predictions[i].probs[1])) <= 2e-6);
  const shift = await measureDomainShift(runs);
  assert.equal(shift.models.find((m) => m.kind === 'ensemble')?.accuracy, ee.accuracy);
  assert.match(reportMarkdown({ ...report, domainShift: shift }), /\| Ensemble \| /);
  const md = await writeReflection(root, { measureLatency: false });
  assert.match(md, /\| Ensemble \| – \| \d+\.\d% \|/);
  // its size in production: the members it ships (weight above 0), not its folder's few bytes
  assert.match(md, /Ensemble: size is its members' models \(TF-IDF baseline/);
});
