// Export of BERT / DistilBERT / RoBERTa: a tiny random model of each is exported and loaded the ways production
// loads it: transformers.js's pipeline('text-classification', folder) offline (fp32 and dtype 'q8'), a raw
// onnxruntime-node session, and loadExported().predict. The fp32 model must give the engine's own evaluation
// (probabilities within 1e-4); the int8 model must predict the same label for >= 99% of 200 random texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'require' };
import { Graph, Program, type TensorData } from '../../../src/engine';
import type { SequenceClassifier } from '../../../src/engine';
import { exportHfClassifier, loadExported, softmax } from '../../../src/host/export';
import { loadHfTokenizer } from '../../../src/host/tokenize';
import { ARCHS, randomTexts, taskLabel, tinyModel, trainTiny, writeByteBpe, writeWordPiece, type Arch } from './tiny';

const tf = createRequire(__filename)('@huggingface/transformers') as typeof Transformers;
tf.env.allowRemoteModels = false;
tf.env.allowLocalModels = true;

/** The engine's own evaluation: the eval graph with weights fed as inputs (as the Trainer runs it). */
async function engineLogits(model: SequenceClassifier, weights: Map<string, Float32Array>, feeds: Record<string, TensorData>): Promise<Float32Array> {
  const g = new Graph({ training: false });
  g.output('logits', model.buildLogits(g).logits);
  const prog = await Program.compile(g, { threads: 1 });
  try {
    const all: Record<string, TensorData> = { ...feeds };
    for (const p of model.params) all[p.name] = { data: weights.get(p.name)!, dims: p.shape };
    return (await prog.run(all)).logits.data as Float32Array;
  } finally {
    await prog.dispose();
  }
}

/** Token ids of texts through the exported folder's tokenizer, right-padded. */
async function encode(dir: string, texts: string[], inputNames: string[]): Promise<Record<string, TensorData>> {
  const tok = await loadHfTokenizer(dir);
  const rows = texts.map((t) => [...tok.specials.prefix, ...tok.encode(t), ...tok.specials.suffix]);
  const seq = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * seq).fill(BigInt(tok.specials.pad));
  const mask = new BigInt64Array(rows.length * seq);
  rows.forEach((r, b) =>
    r.forEach((id, j) => {
      ids[b * seq + j] = BigInt(id);
      mask[b * seq + j] = 1n;
    }),
  );
  const dims = [rows.length, seq];
  const feeds: Record<string, TensorData> = { input_ids: { data: ids, dims }, attention_mask: { data: mask, dims } };
  if (inputNames.includes('token_type_ids')) feeds.token_type_ids = { data: new BigInt64Array(ids.length), dims };
  return feeds;
}

async function ortLogits(path: string, feeds: Record<string, TensorData>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    const f: Record<string, ort.Tensor> = {};
    for (const name of s.inputNames) f[name] = new ort.Tensor('int64', feeds[name].data as BigInt64Array, [...feeds[name].dims]);
    return (await s.run(f)).logits.data as Float32Array;
  } finally {
    await s.release();
  }
}

function rowsSoftmax(logits: Float32Array, L: number): number[][] {
  return Array.from({ length: logits.length / L }, (_, i) => softmax(logits.subarray(i * L, (i + 1) * L)));
}

function maxDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  a.forEach((r, i) =>
    r.forEach((v, j) => {
      m = Math.max(m, Math.abs(v - b[i][j]));
    }),
  );
  return m;
}

const argmax = (r: number[]) => r.indexOf(Math.max(...r));

for (const arch of ARCHS) {
  test(`${arch}: export loads in transformers.js and onnxruntime; fp32 = engine, int8 agrees`, async () => {
    const root = mkdtempSync(join(tmpdir(), `gft-export-${arch}-`));
    try {
      const src = join(root, 'base');
      const vocabSize = arch === 'roberta' ? writeByteBpe(src) : writeWordPiece(src, arch as Exclude<Arch, 'roberta'>);
      const { config, model, weights } = tinyModel(arch, vocabSize, 7);
      // fine-tune it on the synthetic task so that its margins depend on the text, as a real classifier's do
      const trainTexts = randomTexts(512, 5, 1, 24);
      const batches = [];
      for (let i = 0; i < trainTexts.length; i += 32) {
        const t = trainTexts.slice(i, i + 32);
        batches.push({ feeds: await encode(src, t, model.inputNames), labels: t.map(taskLabel) });
      }
      await trainTiny(model, weights, batches, 12, 2e-3);
      const out = join(root, 'export');
      const res = await exportHfClassifier({
        model,
        weights,
        config,
        labels: ['negative', 'positive'],
        tokenizerDir: src,
        outDir: out,
        source: { run: 'test' },
      });

      // Layout and config.json as transformers.js reads them
      for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'gft_export.json'])
        assert.ok(existsSync(join(out, f)), f);
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      assert.equal(cfg.model_type, arch);
      assert.deepEqual(cfg.architectures, [
        { bert: 'BertForSequenceClassification', distilbert: 'DistilBertForSequenceClassification', roberta: 'RobertaForSequenceClassification' }[arch],
      ]);
      assert.deepEqual(cfg.id2label, { 0: 'negative', 1: 'positive' });
      assert.ok(res.sizes['onnx/model_quantized.onnx'] < res.sizes['onnx/model.onnx'], 'int8 file is smaller');

      // The ONNX graph's interface: int64 [batch, seq] inputs with symbolic dims, logits [batch, 2]
      const s = await ort.InferenceSession.create(join(out, 'onnx/model.onnx'));
      assert.deepEqual([...s.inputNames].sort(), [...model.inputNames].sort());
      assert.deepEqual(s.outputNames, ['logits']);
      await s.release();

      const texts = randomTexts(24, 11, 1, 60); // up to 62 tokens: longer than the training texts
      const feeds = await encode(out, texts, model.inputNames);
      const engine = rowsSoftmax(await engineLogits(model, weights, feeds), 2);
      const raw = rowsSoftmax(await ortLogits(join(out, 'onnx/model.onnx'), feeds), 2);
      const dRaw = maxDiff(raw, engine);
      assert.ok(dRaw <= 1e-4, `raw onnxruntime vs engine: ${dRaw}`);
      assert.ok(new Set(engine.map(argmax)).size === 2, 'the random model predicts both labels (a meaningful comparison)');

      // transformers.js pipeline, offline, from the absolute folder path
      const pipe = await tf.pipeline('text-classification', out, { dtype: 'fp32' });
      const pipeOut = (await pipe(texts, { top_k: null })) as unknown as { label: string; score: number }[][];
      const pipeProbs = pipeOut.map((r) => ['negative', 'positive'].map((l) => r.find((x) => x.label === l)!.score));
      const dPipe = maxDiff(pipeProbs, engine);
      assert.ok(dPipe <= 1e-4, `transformers.js pipeline vs engine: ${dPipe}`);
      await pipe.dispose();

      // loadExported (what gft predict uses)
      const loaded = await loadExported(out);
      const dLoaded = maxDiff(await loaded.predict(texts), engine);
      await loaded.dispose();
      assert.ok(dLoaded <= 1e-4, `loadExported vs engine: ${dLoaded}`);

      // int8: 200 random texts, raw session; the same label for >= 99%
      const many = randomTexts(200, 12, 1, 24);
      const manyFeeds = await encode(out, many, model.inputNames);
      const f32 = rowsSoftmax(await ortLogits(join(out, 'onnx/model.onnx'), manyFeeds), 2);
      const i8 = rowsSoftmax(await ortLogits(join(out, 'onnx/model_quantized.onnx'), manyFeeds), 2);
      const agree = f32.filter((r, i) => argmax(r) === argmax(i8[i])).length / f32.length;
      const dProb = maxDiff(f32, i8);
      const meanDiff = f32.reduce((a, r, i) => a + Math.abs(r[1] - i8[i][1]), 0) / f32.length;
      const truth = many.map(taskLabel);
      const acc = (p: number[][]) => p.filter((r, i) => argmax(r) === truth[i]).length / p.length;
      console.log(
        `${arch}: fp32 vs engine ${dRaw.toExponential(2)} (pipeline ${dPipe.toExponential(2)}); int8 label agreement ${(100 * agree).toFixed(1)}%, ` +
          `task accuracy fp32 ${(100 * acc(f32)).toFixed(1)}% int8 ${(100 * acc(i8)).toFixed(1)}%, ` +
          `|dp| mean ${meanDiff.toFixed(4)} max ${dProb.toFixed(4)}; sizes fp32 ${res.sizes['onnx/model.onnx']} int8 ${res.sizes['onnx/model_quantized.onnx']} bytes`,
      );
      assert.ok(acc(f32) >= 0.6, `the tiny model learned the task (held-out accuracy ${acc(f32)})`);
      assert.ok(agree >= 0.99, `int8 label agreement ${agree}`);
      assert.ok(dProb > 0, 'the int8 model really differs (weights were quantized)');

      // transformers.js loads the quantized model with dtype 'q8' and gives the same labels as the raw session
      const qpipe = await tf.pipeline('text-classification', out, { dtype: 'q8' });
      const q = (await qpipe(many.slice(0, 20))) as unknown as { label: string }[];
      assert.deepEqual(
        q.map((r) => r.label),
        i8.slice(0, 20).map((r) => ['negative', 'positive'][argmax(r)]),
      );
      await qpipe.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
