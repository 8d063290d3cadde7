// exportRun: a completed fine-tuning run folder (run.json + checkpoints/best/trainer.safetensors) and its base
// model folder -> an export folder whose predictions equal the engine's on the run's weights; clear errors for
// runs that cannot be exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, Program, type TensorData } from '../../../src/engine';
import { writeSafetensors, type SafeTensor } from '../../../src/engine/weights/safetensors';
import { exportRun, loadExported, predict, softmax } from '../../../src/host/export';
import { UseLiteClassifier, initUseLiteHead } from '../../../src/engine/models/useLite';
import { loadStarterModel } from '../../../src/host/models/starter';
import { loadHfTokenizer } from '../../../src/host/tokenize';
import { RunFolder } from '../../../src/host/runs';
import { predictTexts } from '../../../src/host/jobs';
import { main, type Io } from '../../../src/host/cli';
import { randomTexts, tinyModel, writeWordPiece } from './tiny';

function setup(root: string, status: 'completed' | 'running' = 'completed') {
  const base = join(root, 'base');
  const vocab = writeWordPiece(base, 'bert');
  const { json, model, weights } = tinyModel('bert', vocab, 4);
  writeFileSync(join(base, 'config.json'), JSON.stringify({ ...json, hidden_act: 'gelu' }));
  // the base checkpoint: what frozen parameters would come from
  writeSafetensors(
    join(base, 'model.safetensors'),
    new Map([...weights].map(([k, v]) => [k, { dtype: 'F32', shape: model.params.find((p) => p.name === k)!.shape, data: v } as SafeTensor])),
  );
  // the "fine-tuned" weights: the classifier changed
  const tuned = new Map([...weights].map(([k, v]) => [k, k.startsWith('classifier') ? v.map((x) => x * -2 + 0.1) : v]));
  const run = RunFolder.create(join(root, 'runs'), {
    kind: 'finetune',
    config: { maxLength: 12, longText: 'tail' },
    seed: 0,
    packages: {},
    device: 'cpu',
    dataset: { id: 'toy', hash: 'h', labels: ['bad', 'good'] },
    model: { id: base },
  });
  const ckpt = run.checkpointDir('best');
  const t = new Map<string, SafeTensor>();
  for (const p of model.params) {
    t.set(`param/${p.name}`, { dtype: 'F32', shape: p.shape, data: tuned.get(p.name)! });
    t.set(`adam_m/${p.name}`, { dtype: 'F32', shape: p.shape, data: new Float32Array(tuned.get(p.name)!.length) });
  }
  mkdirSync(ckpt, { recursive: true });
  writeSafetensors(join(ckpt, 'trainer.safetensors'), t, { format: 'gft-trainer-1' });
  if (status === 'completed') run.finish('completed');
  return { run, model, tuned, base };
}

test("exportRun writes a folder that predicts like the engine with the run's weights", async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-export-run-'));
  try {
    const { run, model, tuned } = setup(root);
    const out = join(root, 'export');
    const res = await exportRun(run.dir, out);
    assert.equal(res.manifest.maxLength, 12, "the run's max length is kept");
    assert.equal(res.manifest.longText, 'tail', 'and its long-text strategy');
    assert.deepEqual(res.manifest.labels, ['bad', 'good']);
    assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).id2label['1'], 'good');
    assert.equal(res.manifest.source?.run, run.id);
    assert.equal(res.check, undefined);
    assert.match(res.checkSkipped ?? '', /no test predictions/, 'a run without test predictions is exported unchecked, with the reason');

    const texts = randomTexts(6, 3, 2, 20); // most longer than the 10 content tokens: read by their tail
    const m = await loadExported(out);
    const got = await m.predict(texts);
    await m.dispose();
    // the engine on the tuned weights
    const tok = await loadHfTokenizer(out);
    const g = new Graph({ training: false });
    g.output('logits', model.buildLogits(g).logits);
    const prog = await Program.compile(g, { threads: 1 });
    for (const [i, t] of texts.entries()) {
      const ids = [...tok.specials.prefix, ...tok.encode(t).slice(-10), ...tok.specials.suffix];
      const dims = [1, ids.length];
      const feeds: Record<string, TensorData> = {
        input_ids: { data: BigInt64Array.from(ids.map(BigInt)), dims },
        attention_mask: { data: new BigInt64Array(ids.length).fill(1n), dims },
        token_type_ids: { data: new BigInt64Array(ids.length), dims },
      };
      for (const p of model.params) feeds[p.name] = { data: tuned.get(p.name)!, dims: p.shape };
      const want = softmax((await prog.run(feeds)).logits.data as Float32Array);
      want.forEach((p, c) => assert.ok(Math.abs(p - got[i][c]) <= 1e-4, `text ${i} class ${c}: ${p} vs ${got[i][c]}`));
    }
    await prog.dispose();

    // gft predict / "try the model" on the export folder alone: the same probabilities; int8 from its own file
    const viaHost = await predictTexts(out, texts);
    viaHost.predictions.forEach((p, i) => p.probs.forEach((q, c) => assert.ok(Math.abs(q - got[i][c]) <= 1e-6)));
    const int8 = await predictTexts(out, texts, { precision: 'int8' });
    assert.equal(int8.predictions.length, texts.length);
    assert.ok(
      int8.predictions.some((p, i) => p.probs[0] !== viaHost.predictions[i].probs[0]),
      'int8 runs its own (quantized) model',
    );
    await assert.rejects(predictTexts(run.dir, texts, { precision: 'int8' }), /int8 prediction needs an export folder/);
    const lines: string[] = [];
    const errs: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => errs.push(l), isTTY: false };
    assert.equal(await main(['predict', '--model', out, '--int8', '--text', texts[0]], io), 0, errs.join('\n'));
    assert.equal(JSON.parse(lines[0]).label, int8.predictions[0].label);
    assert.notEqual(await main(['predict', '--run', run.dir, '--model', out, '--text', 'x'], io), 0);
    assert.match(errs.at(-1) ?? '', /either --run DIR .* or --model DIR/);
    // gft export lists the files and says whether the int8 model was checked (this run has no test predictions)
    lines.length = 0;
    assert.equal(await main(['export', '--run', run.dir, '--out', join(root, 'export2')], io), 0, errs.join('\n'));
    assert.ok(lines[0].split('\n').some((l) => l.endsWith('onnx/model_quantized.onnx')));
    assert.match(lines[0].split('\n').at(-1)!, /^int8 model not checked: .*no test predictions/);

    // an existing folder is not overwritten unless asked
    await assert.rejects(exportRun(run.dir, out), /already exists/);
    await exportRun(run.dir, out, { overwrite: true, quantize: false });
    assert.ok(!existsSync(join(out, 'onnx/model_quantized.onnx')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('exportRun refuses runs it cannot export, with one-line reasons', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-export-run-'));
  try {
    const { run } = setup(root, 'running');
    await assert.rejects(exportRun(run.dir, join(root, 'x')), /is running, not completed/);
    await assert.rejects(exportRun(join(root, 'nowhere'), join(root, 'x')), /not a run folder/);
    run.finish('completed');
    rmSync(join(run.checkpointDir('best'), 'trainer.safetensors'));
    await assert.rejects(exportRun(run.dir, join(root, 'x')), /no saved weights to export/);
    assert.ok(!existsSync(join(root, 'x')), 'nothing is left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("exportRun exports a starter-model (USE Lite) run: pretrained encoder + the run's head", async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-export-run-'));
  try {
    const starter = loadStarterModel();
    const model = new UseLiteClassifier(2, starter.weights.timing);
    const head = initUseLiteHead(2, 9);
    head.get('classifier.weight')!.forEach((v, i, a) => {
      a[i] = v * 200;
    });
    const run = RunFolder.create(join(root, 'runs'), {
      kind: 'head-only',
      config: {},
      seed: 0,
      packages: {},
      device: 'cpu',
      dataset: { id: 'toy', hash: 'h', labels: ['neg', 'pos'] },
      model: { id: 'starter' },
    });
    // a head-only checkpoint holds only what was trained
    mkdirSync(run.checkpointDir('best'), { recursive: true });
    writeSafetensors(
      join(run.checkpointDir('best'), 'trainer.safetensors'),
      new Map([...head].map(([k, v]) => [`param/${k}`, { dtype: 'F32', shape: k.endsWith('weight') ? [2, 512] : [2], data: v } as SafeTensor])),
      { format: 'gft-trainer-1' },
    );
    run.finish('completed');
    const out = join(root, 'export');
    const res = await exportRun(run.dir, out, { quantize: false });
    assert.equal(res.manifest.architecture, 'use-lite');
    assert.ok(existsSync(join(out, 'vocab.json')));

    const text = 'an unexpectedly moving film with a sharp script .';
    const got = await predict(out, [text]);
    const ids = starter.tokenizer.encode(text);
    const g = new Graph({ training: false });
    g.output('logits', model.buildLogits(g).logits);
    const prog = await Program.compile(g, { threads: 1 });
    const dims = [1, ids.length];
    const feeds: Record<string, TensorData> = {
      input_ids: { data: BigInt64Array.from(ids.map(BigInt)), dims },
      attention_mask: { data: new BigInt64Array(ids.length).fill(1n), dims },
    };
    const all = new Map([...starter.weights.params, ...head]);
    for (const p of model.params) feeds[p.name] = { data: all.get(p.name)!, dims: p.shape };
    const want = softmax((await prog.run(feeds)).logits.data as Float32Array);
    await prog.dispose();
    assert.ok(Math.abs(want[1] - 0.5) > 0.01, 'the head gives a decided probability');
    want.forEach((p, c) => assert.ok(Math.abs(p - got[0][c]) <= 1e-4, `class ${c}: ${p} vs ${got[0][c]}`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
