// Word saliency of misclassified test examples: the word mapping of token pieces (pure functions, hand-made
// tokens) and saliency.jsonl written by a fine-tuning run of the starter model on the tiny fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFinetune } from '../../../src/host/train';
import { normaliseScores, pieceTable, piecesToWords, readTokens, SALIENCY_FILE, type SaliencyRecord } from '../../../src/host/train/saliency';
import { RUN_FILES } from '../../../src/shared/runLayout';
import { loadHfTokenizer } from '../../../src/host/tokenize';
import { starterTokenizer } from '../../../src/host/train/model';
import { tempDir } from '../tempDir';

test('SentencePiece pieces join into words at ▁; scores sum per word', () => {
  const w = piecesToWords(['\u2581the', '\u2581movie', 's', '\u2581', 'zz', 'z', '\u2581ok', '.'], [1, 2, 3, 4, 5, 6, 7, 8], 'sentencepiece');
  assert.deepEqual(w, [
    ['the', 1],
    ['movies', 5],
    ['zzz', 15],
    ['ok.', 15],
  ]);
});

test('WordPiece ## pieces continue the previous word; byte-level Ġ starts one', () => {
  assert.deepEqual(piecesToWords(['un', '##believ', '##able', 'plot', '!'], [1, 1, 1, 2, -3], 'wordpiece'), [
    ['unbelievable', 3],
    ['plot', 2],
    ['!', -3],
  ]);
  assert.deepEqual(piecesToWords(['A', '\u0120gre', 'at', '\u0120film'], [1, 2, 3, 4], 'bytelevel'), [
    ['A', 1],
    ['great', 5],
    ['film', 4],
  ]);
});

test('piece tables: a BERT vocab.txt tokenizer gives ## pieces, the starter model ▁ pieces, both joined back to words', async (t) => {
  const d = tempDir(t, 'gft-sal-tok-');
  writeFileSync(join(d, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'movie', 'un', '##believ', '##able', '.'].join('\n'));
  const tok = await loadHfTokenizer(d);
  const wp = pieceTable(d, tok);
  const ids = tok.encode('The movie unbelievable.');
  assert.equal(wp.scheme, 'wordpiece');
  assert.deepEqual(ids.map(wp.piece), ['the', 'movie', 'un', '##believ', '##able', '.']);
  assert.deepEqual(
    piecesToWords(
      ids.map(wp.piece),
      ids.map(() => 1),
      wp.scheme,
    ).map((w) => w[0]),
    ['the', 'movie', 'unbelievable', '.'],
  );
  const st = starterTokenizer().tokenizer;
  const sp = pieceTable('starter', st);
  const text = 'an unwatchably dull remake , sadly';
  const sids = st.encode(text);
  assert.equal(sp.scheme, 'sentencepiece');
  assert.ok(sids.length > text.split(' ').length, 'some word is split into several pieces');
  assert.deepEqual(
    piecesToWords(
      sids.map(sp.piece),
      sids.map(() => 1),
      sp.scheme,
    ).map((w) => w[0]),
    text.split(' '),
  );
});

test('normalised scores have max |score| 1 and keep their sign', () => {
  assert.deepEqual(
    normaliseScores([
      ['a', 2],
      ['b', -4],
      ['c', 1],
    ]),
    [
      ['a', 0.5],
      ['b', -1],
      ['c', 0.25],
    ],
  );
  assert.deepEqual(normaliseScores([['a', 0]]), [['a', 0]]);
});

test('overlapping windows add their scores on shared tokens; unaligned rows are concatenated', () => {
  const full = [10, 11, 12, 13, 14];
  const r = readTokens(full, [
    { ids: [10, 11, 12], scores: [1, 1, 1] },
    { ids: [12, 13, 14], scores: [2, 2, 2] },
  ]);
  assert.deepEqual(r, { ids: [10, 11, 12, 13, 14], scores: [1, 1, 3, 2, 2] });
  const head = readTokens(full, [{ ids: [10, 11], scores: [5, 6] }]);
  assert.deepEqual(head, { ids: [10, 11], scores: [5, 6] });
  const sent = readTokens(full, [
    { ids: [7, 8], scores: [1, 2] },
    { ids: [9], scores: [3] },
  ]);
  assert.deepEqual(sent, { ids: [7, 8, 9], scores: [1, 2, 3] });
});

test('a fine-tuning run writes saliency.jsonl for its misclassified test examples', async (t) => {
  const root = tempDir(t, 'gft-sal-');
  // A nearly untrained head (lr 1e-9) leaves many test examples wrong.
  const r = await runFinetune({
    model: 'starter',
    trainFile: 'test/fixtures/host/tiny-train.jsonl',
    evalFile: 'test/fixtures/host/tiny-eval.jsonl',
    runsRoot: root,
    runId: 'sal',
    config: { epochs: 1, batchSize: 30, lr: 1e-9, evalEvery: 'epoch', seed: 1 },
  });
  assert.equal(r.status, 'completed', r.error);
  const preds = readFileSync(join(r.runDir, RUN_FILES.predictions), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; label: number; pred: number; probs: number[] });
  const wrong = preds.filter((p) => p.pred !== p.label);
  assert.ok(wrong.length > 0, 'the fixture run has misclassified test examples');
  const path = join(r.runDir, SALIENCY_FILE);
  assert.ok(existsSync(path));
  const recs = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SaliencyRecord);
  assert.equal(recs.length, Math.min(20, wrong.length));
  const byId = new Map(preds.map((p) => [p.id, p]));
  const texts = new Map(
    readFileSync('test/fixtures/host/tiny-eval.jsonl', 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; text: string })
      .map((e) => [e.id, e.text]),
  );
  let lastConf = Infinity;
  for (const s of recs) {
    const p = byId.get(s.id)!;
    assert.ok(p && p.pred !== p.label, `${s.id} is misclassified`);
    assert.equal(s.label, p.label);
    assert.equal(s.pred, p.pred);
    // one row per text: the saliency pass sees the evaluated (best) weights, so its row predicts `pred`
    assert.equal(s.rowsTowardPred, 1, `${s.id}: saliency logits agree with the test prediction`);
    const conf = p.probs[p.pred];
    assert.ok(conf <= lastConf + 1e-6, 'most confidently wrong first');
    lastConf = conf;
    assert.deepEqual(
      s.words.map((w) => w[0]),
      texts.get(s.id)!.trim().split(/\s+/),
      `${s.id}: the example's words in order`,
    );
    for (const [, v] of s.words) assert.ok(Number.isFinite(v) && Math.abs(v) <= 1);
    assert.equal(Math.max(...s.words.map((w) => Math.abs(w[1]))), 1);
  }
});

test('chunked and sentence-mean evaluation: every row of a document is explained, words once each in order', async (t) => {
  const root = tempDir(t, 'gft-sal-');
  const texts = new Map(
    readFileSync('test/fixtures/host/tiny-eval.jsonl', 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; text: string })
      .map((e) => [e.id, e.text]),
  );
  const configs = {
    // windows of 3 tokens with overlap: shared tokens must not repeat words
    chunks: {
      epochs: 1,
      batchSize: 30,
      lr: 1e-9,
      evalEvery: 'epoch' as const,
      seed: 1,
      maxLength: 3,
      longText: 'head' as const,
      evalLongText: 'chunks' as const,
    },
    sentences: { epochs: 1, batchSize: 30, lr: 1e-9, evalEvery: 'epoch' as const, seed: 1, longText: 'sentence-mean' as const },
  };
  for (const [name, config] of Object.entries(configs)) {
    const r = await runFinetune({
      model: 'starter',
      trainFile: 'test/fixtures/host/tiny-train.jsonl',
      evalFile: 'test/fixtures/host/tiny-eval.jsonl',
      runsRoot: root,
      runId: name,
      config,
    });
    assert.equal(r.status, 'completed', r.error);
    assert.match(readFileSync(join(r.runDir, 'log.txt'), 'utf8'), /saliency: \d+ misclassified test examples explained/, name);
    const recs = readFileSync(join(r.runDir, SALIENCY_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SaliencyRecord);
    assert.ok(recs.length > 0, name);
    for (const s of recs) {
      assert.deepEqual(
        s.words.map((w) => w[0]),
        texts.get(s.id)!.trim().split(/\s+/),
        `${name} ${s.id}`,
      );
      assert.equal(Math.max(...s.words.map((w) => Math.abs(w[1]))), 1);
      // tiny texts are one sentence: one row, whose logits (inner-model trainer) must give the test prediction
      if (name === 'sentences') assert.equal(s.rowsTowardPred, 1, `${name} ${s.id}`);
      else assert.ok(s.rowsTowardPred >= 0 && s.rowsTowardPred <= 1);
    }
  }
});
