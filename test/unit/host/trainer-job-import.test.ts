// gft import: a Hugging Face checkpoint folder (as a Trainer job or save_pretrained writes it) becomes a run folder
// evaluated by this engine. For tiny BERT, DistilBERT and RoBERTa models: a fine-tuning run's weights written as
// such a folder and imported on the run's split give the run's own test predictions and metrics; label names in
// another order (or renamed through --label-map) give the same; the job's training ids are checked against the test
// set; bad folders are one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainerParams, trainerCheckpointPath } from '../../../src/engine';
import { createClassifier, readHfConfig } from '../../../src/engine/models';
import { writeSafetensors, type SafeTensor } from '../../../src/engine/weights/safetensors';
import { hfConfigJson } from '../../../src/host/export/hfConfig';
import { main, type Io } from '../../../src/host/cli';
import { compareRuns, predictTexts } from '../../../src/host/jobs';
import { importModel, matchLabels, textHash } from '../../../src/host/jobs/importModel';
import { runFinetune } from '../../../src/host/train';
import { exportRun } from '../../../src/host/export';
import { writeReflection } from '../../../src/host/reflect';
import { RunFolder } from '../../../src/host/runs';
import { Requests, type PredictionRecord, type RunManifest } from '../../../src/protocol';
import { startHost } from '../../../src/client/hostProcess';
import { sendRequest } from '../../../src/client/rpc';
import type { Arch } from '../export/tiny';
import { tinyDataset, tinyModelFolder } from './trainerJobFixtures';

function capture(): Io & { lines: string[]; errs: string[] } {
  const lines: string[] = [],
    errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), isTTY: false };
}

/** The run's best weights as a Hugging Face checkpoint folder, labels in `order` (a permutation of the run's). */
function checkpointFolder(runDir: string, base: string, out: string, order: number[], names?: string[]): void {
  const run = RunFolder.open(runDir);
  const labels = run.manifest.dataset!.labels;
  const params = readTrainerParams(trainerCheckpointPath(run.checkpointDir('best')));
  const cfg = readHfConfig(base);
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'config.json'),
    JSON.stringify(
      hfConfigJson(cfg, names ?? order.map((i) => labels[i]), JSON.parse(readFileSync(join(base, 'config.json'), 'utf8')) as Record<string, unknown>),
    ),
  );
  const shapes = new Map<string, number[]>();
  for (const p of createClassifier(cfg, labels.length).params) shapes.set(p.name, p.shape);
  const t = new Map<string, SafeTensor>();
  for (const [name, data] of params) {
    const shape = shapes.get(name)!;
    let d = data;
    if (/^classifier\.(out_proj\.)?(weight|bias)$/.test(name)) {
      const width = data.length / labels.length;
      d = new Float32Array(data.length);
      order.forEach((from, to) => d.set(data.subarray(from * width, (from + 1) * width), to * width));
    }
    t.set(name, { dtype: 'F32', shape, data: d });
  }
  writeSafetensors(join(out, 'model.safetensors'), t);
  for (const f of readdirSync(base)) if (f.startsWith('tokenizer') || f === 'vocab.txt') copyFileSync(join(base, f), join(out, f));
}

const testPreds = (dir: string) =>
  RunFolder.open(dir)
    .readPredictions()
    .filter((p) => p.split === 'test')
    .sort((a, b) => a.id.localeCompare(b.id));

function assertSamePredictions(a: PredictionRecord[], b: PredictionRecord[], what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((p, i) => {
    assert.equal(p.id, b[i].id);
    assert.equal(p.label, b[i].label, `${what}: label of ${p.id}`);
    assert.equal(p.pred, b[i].pred, `${what}: prediction of ${p.id}`);
    p.probs.forEach((x, c) => assert.ok(Math.abs(x - b[i].probs[c]) <= 1e-6, `${what}: ${p.id} class ${c}: ${x} vs ${b[i].probs[c]}`));
  });
}

for (const arch of ['bert', 'distilbert', 'roberta'] as Arch[]) {
  test(`${arch}: a run's weights imported on its split evaluate as the run did (also with the labels in another order)`, async () => {
    const root = mkdtempSync(join(tmpdir(), `gft-import-${arch}-`));
    try {
      const base = tinyModelFolder(root, arch);
      const data = tinyDataset(root, 60);
      const trained = await runFinetune({
        data,
        split: { validation: 0.2, test: 0.3, seed: 42 },
        model: base,
        runsRoot: join(root, 'runs'),
        runId: 'trained',
        config: { epochs: 1, batchSize: 8, maxLength: 20, lr: 1e-3, evalEvery: 'epoch', seed: 3 },
        device: 'cpu',
        threads: 1,
      });
      assert.equal(trained.status, 'completed', trained.error);
      const ckpt = join(root, 'ckpt');
      checkpointFolder(trained.runDir, base, ckpt, [0, 1]);
      const io = capture();
      const code = await main(
        ['import', '--model', ckpt, '--split-of', trained.runDir, '--max-length', '20', '--out', join(root, 'runs', 'imported'), '--threads', '1'],
        io,
      );
      assert.equal(code, 0, io.errs.join('\n'));
      assert.match(io.lines.join('\n'), /leakage check not possible: no gft_job\.json in the model folder/);
      const imported = RunFolder.open(join(root, 'runs', 'imported'));
      const want = testPreds(trained.runDir);
      assertSamePredictions(testPreds(imported.dir), want, 'imported vs trained');
      const mt = RunFolder.open(trained.runDir).manifest.test!,
        mi = imported.manifest.test!;
      assert.equal(mi.accuracy, mt.accuracy);
      assert.ok(Math.abs(mi.logLoss - mt.logLoss) < 1e-6);
      assert.equal(imported.manifest.kind, 'finetune');
      assert.equal(imported.manifest.status, 'completed');
      assert.equal(imported.manifest.dataset!.splitHash, RunFolder.open(trained.runDir).manifest.dataset!.splitHash);
      assert.equal(imported.manifest.name, 'imported · ckpt');
      assert.ok(existsSync(join(imported.dir, 'saliency.jsonl')) || mi.accuracy === 1, 'misclassified test examples are explained');
      // compare and predict take it like a fine-tune: identical predictions, no disagreement
      const c = compareRuns(trained.runDir, imported.dir);
      assert.equal(c.difference, 0);
      assert.equal(c.onlyACorrect + c.onlyBCorrect, 0);
      const texts = ['wab wbb wcb', 'wza wya wxa wwa'];
      const [p1, p2] = [await predictTexts(trained.runDir, texts), await predictTexts(imported.dir, texts)];
      p1.predictions.forEach((p, i) => p.probs.forEach((x, k) => assert.ok(Math.abs(x - p2.predictions[i].probs[k]) < 1e-6)));

      // the same weights with the head's rows and id2label in the other order
      const swapped = join(root, 'swapped');
      checkpointFolder(trained.runDir, base, swapped, [1, 0]);
      const r = await importModel({ model: swapped, splitOf: trained.runDir, maxLength: 20, runsRoot: join(root, 'runs'), runId: 'swapped', threads: 1 });
      assert.equal(r.status, 'completed', r.error);
      assertSamePredictions(testPreds(r.runDir), want, 'swapped labels');
      assert.deepEqual((RunFolder.open(r.runDir).manifest.config as { imported: { labels: string[] } }).imported.labels, ['bad', 'good']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('label names: matched exactly, ignoring case, through --label-map, or one error line', () => {
  assert.deepEqual(matchLabels({ 0: 'neg', 1: 'pos' }, ['neg', 'pos']), [0, 1]);
  assert.deepEqual(matchLabels({ 0: 'POS', 1: 'NEG' }, ['neg', 'pos']), [1, 0]);
  assert.deepEqual(matchLabels({ 0: 'LABEL_0', 1: 'LABEL_1' }, ['neg', 'pos'], { LABEL_0: 'pos', LABEL_1: 'neg' }), [1, 0]);
  assert.throws(
    () => matchLabels({ 0: 'LABEL_0', 1: 'LABEL_1' }, ['neg', 'pos']),
    /^Error: the model's labels LABEL_0, LABEL_1 do not match the data's neg, pos; name them in config\.json's id2label or pass --label-map LABEL_0=neg,LABEL_1=pos$/,
  );
  assert.throws(
    () => matchLabels({ 0: 'a', 1: 'b', 2: 'c' }, ['neg', 'pos']),
    /the model has 3 labels \(a, b, c\) and the data 2 \(neg, pos\); import it with data of the same classes/,
  );
  assert.throws(() => matchLabels({ 0: 'pos', 1: 'pos' }, ['neg', 'pos']), /do not match/);
});

test("a job's model folder: settings from gft_job.json, leakage checked and recorded; bad folders are one line", async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-import-job-'));
  try {
    const base = tinyModelFolder(root, 'bert');
    const data = tinyDataset(root, 60);
    const trained = await runFinetune({
      data,
      split: { validation: 0.2, test: 0.3, seed: 42 },
      model: base,
      runsRoot: join(root, 'runs'),
      runId: 'trained',
      config: { epochs: 1, batchSize: 8, maxLength: 20, evalEvery: 'epoch' },
      device: 'cpu',
      threads: 1,
    });
    assert.equal(trained.status, 'completed', trained.error);
    const split = JSON.parse(readFileSync(join(trained.runDir, 'split.json'), 'utf8')) as { ids: Record<string, string[]> };
    const texts = new Map(
      readFileSync(data, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; text: string })
        .map((r) => [r.id, r.text]),
    );
    // LABEL_0/LABEL_1 names, as a notebook leaves them
    const folder = join(root, 'job-model');
    checkpointFolder(trained.runDir, base, folder, [0, 1], ['LABEL_0', 'LABEL_1']);
    const job = (trainIds: string[]) =>
      writeFileSync(
        join(folder, 'gft_job.json'),
        JSON.stringify({
          format: 'gft-trainer-job-1',
          source: { run: 'trained', name: null, gft: '0.1.0' },
          // written by an older gft: the train-layers setting under its old name
          gftConfig: { maxLength: 20, longText: 'head', batchSize: 8, seed: 42, freeze: { top: 1 } },
          trainIds,
          trainTextSha256: trainIds.map((id) => textHash(texts.get(id)!)),
          metrics: { test: { accuracy: 0.5, n: 18, macro_f1: 0.5 } },
        }),
      );
    job(split.ids.train);

    let io = capture();
    assert.equal(await main(['import', '--model', folder, '--split-of', trained.runDir, '--out', join(root, 'runs', 'x'), '--threads', '1'], io), 1);
    assert.deepEqual(io.errs, [
      "gft import: the model's labels LABEL_0, LABEL_1 do not match the data's bad, good; name them in config.json's id2label or pass --label-map LABEL_0=bad,LABEL_1=good",
    ]);
    assert.ok(!existsSync(join(root, 'runs', 'x')), 'no run folder for a refused import');

    io = capture();
    assert.equal(
      await main(
        [
          'import',
          '--model',
          folder,
          '--split-of',
          trained.runDir,
          '--label-map',
          'LABEL_0=bad,LABEL_1=good',
          '--out',
          join(root, 'runs', 'clean'),
          '--threads',
          '1',
          '--json',
        ],
        io,
      ),
      0,
      io.errs.join('\n'),
    );
    const clean = RunFolder.open(join(root, 'runs', 'clean'));
    assert.deepEqual(clean.manifest.config.trainLayers, { top: 1 }, "an older job's 'freeze' is read as trainLayers");
    const imp = (m: RunManifest) =>
      (m.config as { imported: { leakage: { checked: boolean; testInTraining: number; trainExamples: number }; jobTest: { accuracy: number } } }).imported;
    assert.deepEqual(imp(clean.manifest).leakage, {
      checked: true,
      trainExamples: split.ids.train.length,
      testExamples: split.ids.test.length,
      testInTraining: 0,
    });
    assert.equal(imp(clean.manifest).jobTest.accuracy, 0.5);
    assert.equal((clean.manifest.config as { maxLength: number }).maxLength, 20, "the job's max length");
    assert.equal(clean.manifest.warnings, undefined);
    assertSamePredictions(testPreds(clean.dir), testPreds(trained.runDir), 'LABEL_i names mapped');

    // export and reflect take an imported run like a fine-tune
    const exported = await exportRun(clean.dir, join(root, 'export-clean'));
    assert.equal(exported.check?.agreement !== undefined, true, exported.checkSkipped);
    const md = await writeReflection(join(root, 'runs'), { measureLatency: false, source: { data } });
    assert.match(md, /\| Imported \S*job-model \|/);

    // two test examples in the job's training data: by id, and by text under another id
    const leaked = [...split.ids.train, split.ids.test[0]];
    job(leaked);
    const j = JSON.parse(readFileSync(join(folder, 'gft_job.json'), 'utf8')) as { trainIds: string[]; trainTextSha256: string[] };
    j.trainIds.push('renamed-copy');
    j.trainTextSha256.push(textHash(texts.get(split.ids.test[1])!));
    writeFileSync(join(folder, 'gft_job.json'), JSON.stringify(j));
    const r = await importModel({
      model: folder,
      splitOf: trained.runDir,
      labelMap: { LABEL_0: 'bad', LABEL_1: 'good' },
      runsRoot: join(root, 'runs'),
      runId: 'leaky',
      threads: 1,
    });
    assert.equal(r.status, 'completed', r.error);
    assert.equal(r.leakage.testInTraining, 2);
    assert.deepEqual(r.leakage.ids!.sort(), [split.ids.test[0], split.ids.test[1]].sort());
    const m = RunFolder.open(r.runDir).manifest;
    assert.equal(imp(m).leakage.testInTraining, 2);
    assert.ok(
      m.warnings?.some((w) => /^leakage: 2 of the \d+ test examples were in the job's training data/.test(w)),
      String(m.warnings),
    );

    // through the host (what the extension's Import Model... and Export as Trainer Job ask): the same run, one-line errors
    const host = startHost('dist/host.js', { env: { ...process.env, GFT_DEVICE: 'cpu', GFT_THREADS: '1' } });
    try {
      const viaHost = await sendRequest(host.connection, Requests.importModel, {
        model: folder,
        splitOf: trained.runDir,
        labelMap: { LABEL_0: 'bad', LABEL_1: 'good' },
        runsRoot: join(root, 'runs'),
        runId: 'via-host',
        name: 'from the extension',
      });
      assert.equal(viaHost.status, 'completed', viaHost.error);
      assert.equal(RunFolder.open(viaHost.runDir).manifest.name, 'from the extension');
      assertSamePredictions(testPreds(viaHost.runDir), testPreds(trained.runDir), 'through the host');
      const err = await sendRequest(host.connection, Requests.importModel, {
        model: folder,
        splitOf: trained.runDir,
        runsRoot: join(root, 'runs'),
        runId: 'refused',
      }).then(
        () => assert.fail('answered'),
        (e: Error) => e,
      );
      assert.match(err.message, /^the model's labels LABEL_0, LABEL_1 do not match the data's bad, good; .* --label-map LABEL_0=bad,LABEL_1=good$/);
      assert.ok(!existsSync(join(root, 'runs', 'refused')));
      const job = await sendRequest(host.connection, Requests.exportTrainerJob, { runDir: trained.runDir, out: join(root, 'job-from-host') });
      assert.ok(job.files.some((f) => f.endsWith('train.py')) && job.totalSteps === job.stepsPerEpoch, JSON.stringify(job));
      const refused = await sendRequest(host.connection, Requests.exportTrainerJob, { runDir: join(root, 'no-run'), out: join(root, 'job-2') }).then(
        () => assert.fail('answered'),
        (e: Error) => e,
      );
      assert.match(refused.message, /no-run is not a run folder \(no run.json\)/);
    } finally {
      host.dispose();
    }

    // bad folders: one line each, exit 1, nothing written
    const bin = join(root, 'bin-model');
    mkdirSync(bin);
    writeFileSync(join(bin, 'config.json'), '{"id2label": {"0": "bad", "1": "good"}}');
    writeFileSync(join(bin, 'pytorch_model.bin'), 'x');
    const noLabels = join(root, 'no-labels');
    mkdirSync(noLabels);
    writeFileSync(join(noLabels, 'config.json'), '{"architectures": ["BertForSequenceClassification"]}');
    writeFileSync(join(noLabels, 'model.safetensors'), 'x');
    const baseModel = join(root, 'base-model');
    mkdirSync(baseModel);
    writeFileSync(join(baseModel, 'config.json'), '{"architectures": ["BertModel"], "id2label": {"0": "a"}}');
    writeFileSync(join(baseModel, 'model.safetensors'), 'x');
    for (const [dir, re] of [
      [
        bin,
        /holds pytorch_model\.bin \(a Python pickle, which gft does not read\); convert it to safetensors first: python -c "from transformers import AutoModelForSequenceClassification as M; M\.from_pretrained\('.*bin-model'\)\.save_pretrained\('.*bin-model', safe_serialization=True\)"$/,
      ],
      [noLabels, /config\.json has no id2label; add the label names, e\.g\. "id2label": \{"0": "neg", "1": "pos"\}$/],
      [baseModel, /is a BertModel without a classification head; fine-tune it with gft train/],
      [join(root, 'nowhere'), /model folder .*nowhere does not exist/],
    ] as [string, RegExp][]) {
      const e = capture();
      assert.equal(await main(['import', '--model', dir, '--split-of', trained.runDir, '--out', join(root, 'runs', 'bad')], e), 1);
      assert.equal(e.errs.length, 1);
      assert.match(e.errs[0], re);
      assert.ok(!existsSync(join(root, 'runs', 'bad')));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
