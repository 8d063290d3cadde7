// Export of runs trained with long-text 'sentence-mean' (src/host/train/docPool.ts): the head reads the mean of
// the text's sentence embeddings. The export folder + loadExported must give the run's own test evaluation
// (probabilities within 1e-4) and must read the whole text, not its opening window. A tiny starter-model run is
// trained here; a BERT-family sentence-mean export is checked against the engine's DocPoolClassifier directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, Program, type TensorData } from '../../../src/engine';
import { DocPoolClassifier, DOC_POOL_INPUT, docPoolMatrix } from '../../../src/engine/models/docPool';
import { writeSafetensors, type SafeTensor } from '../../../src/engine/weights/safetensors';
import { exportRun, loadExported, softmax } from '../../../src/host/export';
import { runFinetune } from '../../../src/host/train';
import { encodeSentencePieces, onePiecePerRow, piecesByDocument } from '../../../src/host/train/docPool';
import { starterTokenizer } from '../../../src/host/train/model';
import { RunFolder, readRun } from '../../../src/host/runs';
import { loadHfTokenizer, padBatch } from '../../../src/host/tokenize';
import { mulberry32 } from '../../../src/shared/prng';
import { randomModel, tinyHfConfig, WORDS, writeByteBpe, writeWordPiece } from './tiny';
import { parseHfConfig } from '../../../src/engine/models';

const NEUTRAL = [
  'the film runs two hours',
  'it was shot in new york',
  'the cast includes several actors',
  'the plot follows a family',
  'music plays in many scenes',
];
const POS = ['a brilliant and moving film', 'wonderful acting and a great story', 'i loved every minute of it'];
const NEG = ['a dull and boring mess', 'terrible acting and an awful story', 'i hated every minute of it'];

/** Texts of neutral sentences (one per line) with one sentiment sentence; `late`: it comes after 6 neutral ones. */
function docs(n: number, seed: number, late = false): { id: string; text: string; label: string }[] {
  const rnd = mulberry32(seed);
  const pick = (xs: string[]) => xs[Math.floor(rnd() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2;
    const sents = Array.from({ length: late ? 6 : 2 + Math.floor(rnd() * 3) }, () => pick(NEUTRAL));
    sents.splice(late ? sents.length : 1 + Math.floor(rnd() * (sents.length - 1)), 0, pick(label ? POS : NEG));
    return { id: `${late ? 'late' : 'd'}${i}`, text: sents.join('\n'), label: label ? 'pos' : 'neg' };
  });
}

const jsonl = (path: string, rows: object[]) => writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

test("starter sentence-mean run: the export gives the run's test probabilities and reads every sentence", async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-export-sm-'));
  try {
    jsonl(join(root, 'train.jsonl'), docs(32, 1));
    // test texts: half with the sentiment sentence after 6 neutral ones, beyond the first 32 tokens
    const evalDocs = [...docs(6, 2), ...docs(6, 5, true)];
    jsonl(join(root, 'eval.jsonl'), evalDocs);
    const r = await runFinetune({
      model: 'starter',
      trainFile: join(root, 'train.jsonl'),
      evalFile: join(root, 'eval.jsonl'),
      runsRoot: root,
      runId: 'sm',
      config: {
        epochs: 4,
        batchSize: 8,
        lr: 3e-4,
        longText: 'sentence-mean',
        docPieces: 3,
        trainLayers: { top: 1 },
        seed: 3,
        schedule: 'constant',
        maxLength: 32,
      },
    });
    assert.equal(r.status, 'completed', r.error);
    const run = readRun(r.runDir);

    const out = join(root, 'export');
    const res = await exportRun(r.runDir, out);
    assert.equal(res.manifest.longText, 'sentence-mean');
    assert.equal(res.manifest.maxLength, 32);
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /Split the text into sentences/);
    // the export compared int8 with the run's fp32 test predictions on the run's own test texts
    assert.equal(res.check?.n, evalDocs.length, res.checkSkipped);
    assert.equal(res.check?.accuracyFp32, run.manifest.test?.accuracy);
    assert.match(
      readFileSync(join(out, 'README.md'), 'utf8'),
      /int8 vs fp32 on 12 labelled test texts .*: same label for [\d.]+%; accuracy [\d.]+% \(fp32\) -> [\d.]+% \(int8\)/,
    );

    // the run's own evaluation = predictions.jsonl (test split, every sentence, mean of the pieces' logits)
    const byId = new Map(evalDocs.map((d) => [d.id, d.text]));
    const preds = run.predictions;
    assert.equal(preds.length, evalDocs.length);
    const m = await loadExported(out);
    const got = await m.predict(preds.map((p) => byId.get(p.id)!));
    let d = 0;
    preds.forEach((p, i) =>
      p.probs.forEach((v, c) => {
        d = Math.max(d, Math.abs(v - got[i][c]));
      }),
    );
    console.log(
      `sentence-mean export vs the run's test evaluation: max |dp| ${d.toExponential(2)} over ${preds.length} texts; run accuracy ${run.manifest.test?.accuracy}`,
    );
    assert.ok(d <= 1e-4, `export vs run evaluation: ${d}`);
    assert.ok((run.manifest.test?.accuracy ?? 0) >= 0.8, 'the run learned the task (a meaningful comparison)');

    // Whole-text reading: texts that share their opening 6 neutral sentences (> 32 tokens) and differ only in the
    // last sentence. A reader of the first window would give each pair identical probabilities.
    const opening = NEUTRAL.concat(NEUTRAL[0]).join('\n');
    const pairs = POS.map((p, i) => [`${opening}\n${p}`, `${opening}\n${NEG[i]}`]);
    const tok = starterTokenizer().tokenizer;
    assert.ok(tok.encode(opening).length > 32, 'the shared opening fills more than the first window');
    const probs = await m.predict(pairs.flat());
    for (let i = 0; i < pairs.length; i++) {
      const [pos, neg] = [probs[2 * i], probs[2 * i + 1]];
      assert.ok(pos[1] - neg[1] > 0.1, `pair ${i}: the last sentence moves the prediction (pos ${pos[1]}, neg ${neg[1]})`);
    }
    // And a text reads as the mean of its sentences: the same sentences in another order give the same answer.
    const shuffled = await m.predict([[POS[0], ...NEUTRAL].join('\n'), [...NEUTRAL, POS[0]].join('\n')]);
    assert.ok(Math.abs(shuffled[0][1] - shuffled[1][1]) <= 1e-5, `order-free: ${shuffled[0][1]} vs ${shuffled[1][1]}`);
    await m.dispose();

    // int8 keeps the labels of the run's test texts
    const q = await loadExported(out, { precision: 'int8' });
    const got8 = await q.predict(preds.map((p) => byId.get(p.id)!));
    await q.dispose();
    const arg = (x: number[]) => x.indexOf(Math.max(...x));
    assert.deepEqual(got8.map(arg), got.map(arg));
    assert.equal(res.check?.agreement, 1, "the export's own check saw the same");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const arch of ['bert', 'roberta'] as const)
  test(`${arch} sentence-mean export: mean-pooled pieces through the run's linear head, not the model's own [CLS]/<s> head`, async () => {
    const root = mkdtempSync(join(tmpdir(), `gft-export-sm-${arch}-`));
    try {
      const base = join(root, 'base');
      const vocab = arch === 'bert' ? writeWordPiece(base, 'bert') : writeByteBpe(base);
      const json = { ...tinyHfConfig(arch, vocab), hidden_act: 'gelu' };
      writeFileSync(join(base, 'config.json'), JSON.stringify(json));
      const { model, weights } = randomModel(parseHfConfig(json), 11);
      // the base model's weights (exportRun resolves the base folder, which must look like a model folder)
      writeSafetensors(
        join(base, 'model.safetensors'),
        new Map(model.params.map((p) => [p.name, { dtype: 'F32', shape: p.shape, data: weights.get(p.name)! } as SafeTensor])),
      );
      const run = RunFolder.create(join(root, 'runs'), {
        kind: 'finetune',
        config: { maxLength: 8, longText: 'sentence-mean' },
        seed: 0,
        packages: {},
        device: 'cpu',
        dataset: { id: 'toy', hash: 'h', labels: ['negative', 'positive'] },
        model: { id: base },
      });
      mkdirSync(run.checkpointDir('best'), { recursive: true });
      writeSafetensors(
        join(run.checkpointDir('best'), 'trainer.safetensors'),
        new Map(model.params.map((p) => [`param/${p.name}`, { dtype: 'F32', shape: p.shape, data: weights.get(p.name)! } as SafeTensor])),
        { format: 'gft-trainer-1' },
      );
      run.finish('completed');
      const out = join(root, 'export');
      await exportRun(run.dir, out, { quantize: false });

      // texts of several sentences, some longer than the 6 content tokens of a piece
      const rnd = mulberry32(4);
      const word = () => WORDS[Math.floor(rnd() * WORDS.length)];
      const texts = Array.from({ length: 6 }, () =>
        Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => `${Array.from({ length: 2 + Math.floor(rnd() * 8) }, word).join(' ')}.`).join(' '),
      );
      const m = await loadExported(out);
      const got = await m.predict(texts);
      await m.dispose();

      // The engine's document-pooling model with doc_pool = 1/n over each text's pieces (what training optimises).
      const tok = await loadHfTokenizer(base);
      const rows = encodeSentencePieces(
        tok,
        texts.map((text) => ({ text })),
        8,
      );
      const byDoc = piecesByDocument(rows, texts.length);
      assert.ok(
        byDoc.some((p) => p.length > 3),
        'some texts have several pieces',
      );
      const b = padBatch(byDoc.flat(), tok.specials.pad, { tokenTypeIds: tok.usesTokenTypeIds });
      const pooled = new DocPoolClassifier(model);
      const g = new Graph({ training: false });
      g.output('logits', pooled.buildLogits(g).logits);
      const prog = await Program.compile(g, { threads: 1 });
      const dims = [b.batch, b.seq];
      const feeds: Record<string, TensorData> = {
        input_ids: { data: b.inputIds, dims },
        attention_mask: { data: b.attentionMask, dims },
        ...(b.tokenTypeIds ? { token_type_ids: { data: b.tokenTypeIds, dims } } : {}),
        // the trainer's graph reads packed pieces; a padded batch is the one-piece-per-row case (as evaluation feeds it)
        ...(pooled.packed ? onePiecePerRow(b) : {}),
        [DOC_POOL_INPUT]: { data: docPoolMatrix(byDoc.map((p) => p.length)), dims: [texts.length, b.batch] },
      };
      for (const p of model.params) feeds[p.name] = { data: weights.get(p.name)!, dims: p.shape };
      const logits = (await prog.run(feeds)).logits.data as Float32Array;
      await prog.dispose();
      let d = 0;
      texts.forEach((_, i) =>
        softmax(logits.subarray(2 * i, 2 * i + 2)).forEach((v, c) => {
          d = Math.max(d, Math.abs(v - got[i][c]));
        }),
      );
      assert.ok(d <= 1e-4, `export vs DocPoolClassifier: ${d}`);

      // the model's own head ([CLS] -> pooler -> classifier; RoBERTa: <s> -> dense -> tanh -> out_proj) on the same pieces gives other probabilities: the
      // check above would catch an export that kept it
      const plain = new Graph({ training: false });
      plain.output('logits', model.buildLogits(plain).logits);
      const pp = await Program.compile(plain, { threads: 1 });
      const { [DOC_POOL_INPUT]: _, ...rowFeeds } = feeds;
      const rowLogits = (await pp.run(rowFeeds)).logits.data as Float32Array;
      await pp.dispose();
      let at = 0;
      const cls = byDoc.map((p) => {
        const mean = [0, 1].map((c) => p.reduce((a, _r, j) => a + rowLogits[2 * (at + j) + c], 0) / p.length);
        at += p.length;
        return softmax(mean);
      });
      const dCls = Math.max(...cls.map((r, i) => Math.abs(r[1] - got[i][1])));
      assert.ok(dCls > 1e-2, `the model's own head differs clearly (${dCls})`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
