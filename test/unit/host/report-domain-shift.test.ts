// The report's domain-shift section (src/host/report/domainShift.ts): with two tiny runs, every model's accuracy on
// builtin:rt-polarity is measured (CIs, drop from in-domain, paired McNemar), the verdict names the better model,
// and the Markdown shows measured figures instead of "not measured".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTfidfBaseline } from '../../../src/host/jobs';
import { buildReport, reportMarkdown } from '../../../src/host/report/report';
import { domainShiftMarkdown, measureDomainShift, transferVerdict } from '../../../src/host/report/domainShift';
import { buildReflection, reflectionMarkdown } from '../../../src/host/reflect/reflection';
import { PredictionMemo } from '../../../src/host/jobs/predict';
import { pct } from '../../../src/shared/format';

test('domain shift: every completed run measured on rt-polarity with CIs and paired tests', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-shift-'));
  const src = { kind: 'tfidf' as const, trainFile: 'test/fixtures/host/tiny-train.jsonl', evalFile: 'test/fixtures/host/tiny-eval.jsonl', runsRoot: root };
  const a = await runTfidfBaseline({ ...src, runId: 'strong', C: 10 });
  const b = await runTfidfBaseline({ ...src, runId: 'weak', C: 0.001 });
  const runs = [
    { title: 'TF-IDF C=10', runDir: a.runDir },
    { title: 'TF-IDF C=0.001', runDir: b.runDir },
  ];
  const d = await measureDomainShift(runs);
  assert.equal(d.data, 'builtin:rt-polarity');
  assert.equal(d.n, 10662);
  assert.equal(d.models.length, 2);
  for (const m of d.models) {
    assert.ok(m.accuracy !== undefined && m.accuracyCI, m.error);
    assert.ok(m.accuracyCI[0] <= m.accuracy && m.accuracy <= m.accuracyCI[1]);
    assert.equal(m.inDomain, 1, 'the tiny runs are perfect in domain');
  }
  assert.notEqual(d.models[0].accuracy, d.models[1].accuracy, 'two different models');
  assert.equal(d.comparisons.length, 1);
  const c = d.comparisons[0];
  assert.ok(Math.abs(c.difference - (d.models[1].accuracy! - d.models[0].accuracy!)) < 1e-9);
  assert.ok(c.onlyACorrect + c.onlyBCorrect > 0 && c.mcnemarP >= 0 && c.mcnemarP <= 1);
  const best = d.models.reduce((x, y) => (y.accuracy! > x.accuracy! ? y : x));
  assert.match(transferVerdict(d) ?? '', new RegExp(`\\*\\*${best.title}\\*\\* (transfers best|scores highest)`));
  assert.match(transferVerdict(d) ?? '', /~20 words.*~700 words/);
  assert.match(transferVerdict(d) ?? '', c.mcnemarP < 0.05 ? /transfers best .*significantly above/ : /^No model transfers significantly better/);

  const md = reportMarkdown(buildReport(runs, new Map(), [], undefined, d));
  assert.match(md, /## Domain shift\n\nEvery model evaluated on \*\*builtin:rt-polarity\*\* \(10662 texts/);
  assert.match(
    md,
    new RegExp(`\\| TF-IDF C=10 \\| 100\\.0% \\| ${(d.models[0].accuracy! * 100).toFixed(1)}% \\| \\d+\\.\\d% – \\d+\\.\\d% \\| \\d+\\.\\d points \\|`),
  );
  assert.match(md, /\| TF-IDF C=10 \| TF-IDF C=0\.001 \| -?\d+\.\d% \|/);
  assert.doesNotMatch(domainShiftMarkdown(d).join('\n'), /not measured/);
});

test('domain shift: a run that cannot be evaluated is listed as not measured, the others still are', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-shift-'));
  const a = await runTfidfBaseline({
    kind: 'tfidf',
    trainFile: 'test/fixtures/host/tiny-train.jsonl',
    evalFile: 'test/fixtures/host/tiny-eval.jsonl',
    runsRoot: root,
    C: 10,
  });
  const d = await measureDomainShift([{ title: 'ok', runDir: a.runDir }], 'builtin:rt-polarity');
  assert.equal(d.models[0].accuracy !== undefined, true);
  assert.equal(transferVerdict(d), undefined, 'one model: nothing to compare');
  const bad = await measureDomainShift([{ title: 'ok', runDir: a.runDir }], join(root, 'missing.jsonl'));
  assert.match(bad.models[0].error ?? '', /data not found/);
  assert.match(domainShiftMarkdown(bad).join('\n'), /\| ok \| 100\.0% \| not measured \(data not found/);
});

test('reflection with --ood builtin:rt-polarity: paired tests on the snippets and which model transfers better', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-shift-refl-'));
  const src = { kind: 'tfidf' as const, trainFile: 'test/fixtures/host/tiny-train.jsonl', evalFile: 'test/fixtures/host/tiny-eval.jsonl', runsRoot: root };
  await runTfidfBaseline({ ...src, runId: 'strong', C: 10 });
  await runTfidfBaseline({ ...src, runId: 'weak', C: 0.001 });
  const facts = await buildReflection(root, {
    outOfDomain: 'builtin:rt-polarity',
    measureLatency: false,
    source: { trainFile: src.trainFile, evalFile: src.evalFile },
  });
  const d = facts.domainShift;
  assert.ok(d, 'measured for both runs');
  assert.equal(d.n, 10662);
  assert.equal(d.models.length, 2);
  assert.equal(d.comparisons.length, 1);
  const md = reflectionMarkdown(facts);
  for (const m of d.models) assert.ok(md.includes(`${pct(m.accuracy)} (`) && md.includes('n = 10662'), m.title);
  assert.match(md, /Out of domain \(builtin:rt-polarity\), .* − .*: [+−-]\d+\.\d points \(95% CI .*\), McNemar exact p/);
  assert.match(md, /Which model transfers better: (No model transfers significantly better: )?\*\*.+\*\* (transfers best|scores highest) \(\d+\.\d%\)/);
  assert.match(md, /snippets are one or two sentences of ~20 words, the training reviews ~700 words/);
  assert.doesNotMatch(md, /Out-of-domain accuracy is not measured/);
});

test("PredictionMemo: a run folder predicts the same texts once (an ensemble's members after the members themselves)", async () => {
  const calls: string[] = [];
  const fake = (name: string) => ({
    labels: ['neg', 'pos'],
    predictProba: async (texts: string[]) => {
      calls.push(name);
      return texts.map((t) => [t.length % 2, 1 - (t.length % 2)]);
    },
  });
  const memo = new PredictionMemo();
  const texts = ['a', 'bb', 'ccc'];
  const first = await memo.wrap('runs/a', fake('a')).predictProba(texts);
  // the same folder by another path (an ensemble's member dir), the same texts: no second prediction
  const again = await memo.wrap(join(process.cwd(), 'runs', 'x', '..', 'a'), fake('a again')).predictProba([...texts]);
  assert.deepEqual(again, first);
  assert.deepEqual(calls, ['a']);
  await memo.wrap('runs/b', fake('b')).predictProba(texts);
  await memo.wrap('runs/a', fake('a, other texts')).predictProba(['dddd']);
  await memo.wrap('runs/a', fake('a, back')).predictProba(texts);
  assert.deepEqual(calls, ['a', 'b', 'a, other texts', 'a, back'], 'another folder or other texts predict');
});
