// gft job export: a fine-tuning run (or gft train's flags) as a Hugging Face Trainer job folder. A fixed run gives
// the same bytes every time; every supported setting lands in job.json under its TrainingArguments name (or in
// train.py's tokenization / freezing lists); settings Trainer cannot express are refused with one line and leave
// nothing behind; train.py compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { main, type Io } from '../../../src/host/cli';
import { prepareData } from '../../../src/host/core';
import { buildJob, exportTrainerJob, JOB_FILE, refusalOf, type TrainerJob } from '../../../src/host/jobs/trainerJob';
import { RunFolder } from '../../../src/host/runs';
import { DEFAULT_TRAIN_CONFIG, resolveTrainConfig } from '../../../src/host/train/config';
import { loadTrainableModel } from '../../../src/host/train/model';
import { contentBudget, defaultHeadTokens, encodeDocuments, loadHfTokenizer } from '../../../src/host/tokenize';
import { randomTexts } from '../export/tiny';
import type { TrainConfig } from '../../../src/protocol';
import type { Arch } from '../export/tiny';
import { tinyDataset, tinyModelFolder } from './trainerJobFixtures';

/** A fine-tuning run folder as gft train writes its run.json (no training needed to export its settings). */
function fakeRun(root: string, model: string, data: string, config: Partial<TrainConfig> = {}): string {
  const c = resolveTrainConfig({ epochs: 2, batchSize: 8, maxLength: 24, ...config });
  const split = { validation: 0.2, test: 0.2, seed: 42 };
  const prepared = prepareData({ data, split });
  const run = RunFolder.create(
    join(root, 'runs'),
    {
      id: 'run-1',
      kind: 'finetune',
      config: { ...c, data: { data, split, model }, execution: { device: 'cpu' } },
      dataset: prepared.ref,
      seed: c.seed,
      packages: {},
      device: 'cpu',
    },
    prepared.splitManifest,
  );
  run.finish('completed');
  return run.dir;
}

function capture(): Io & { lines: string[]; errs: string[] } {
  const lines: string[] = [],
    errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), isTTY: false };
}

function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

test('a run exports as a Trainer job: the same bytes twice, the split as JSONL, the model copied, the settings in job.json', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-job-'));
  try {
    const model = tinyModelFolder(root, 'bert');
    const data = tinyDataset(root);
    const runDir = fakeRun(root, model, data, { lr: 3e-5, warmupSteps: 2, gradAccumSteps: 2, longText: 'head+tail' });
    const io = capture();
    assert.equal(await main(['job', 'export', '--run', runDir, '--out', join(root, 'job-a')], io), 0, io.errs.join('\n'));
    assert.match(io.lines.join('\n'), /job-a: 14 files; 6 optimizer steps \(3 per epoch\)/);
    await exportTrainerJob({ runDir, out: join(root, 'job-b') });
    const a = readTree(join(root, 'job-a')),
      b = readTree(join(root, 'job-b'));
    assert.deepEqual([...a.keys()].sort(), [
      'README.md',
      'accelerate_config.yaml',
      'data/test.jsonl',
      'data/train.jsonl',
      'data/validation.jsonl',
      'job.json',
      'model/config.json',
      'model/model.safetensors',
      'model/tokenizer.json',
      'model/tokenizer_config.json',
      'requirements.txt',
      'slurm.sbatch',
      'split.json',
      'train.py',
    ]);
    for (const [f, bytes] of a) assert.ok(bytes.equals(b.get(f)!), `${f} differs between two exports of the same run`);
    assert.ok(a.get('model/model.safetensors')!.equals(readFileSync(join(model, 'model.safetensors'))), 'the model weights are copied as they are');

    const job = JSON.parse(a.get(JOB_FILE)!.toString()) as TrainerJob;
    const split = JSON.parse(readFileSync(join(runDir, 'split.json'), 'utf8')) as { ids: Record<string, string[]>; sha256: string };
    for (const s of ['train', 'validation', 'test'] as const) {
      const rows = a
        .get(`data/${s}.jsonl`)!
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; text: string; label: string });
      assert.deepEqual(rows.map((r) => r.id).sort(), [...split.ids[s]].sort(), `${s}.jsonl holds exactly the run's ${s} ids`);
      assert.ok(rows.every((r) => r.label === 'good' || r.label === 'bad'));
      assert.equal(job.data.sizes[s], rows.length);
    }
    assert.equal(job.data.splitHash, split.sha256);
    assert.deepEqual(job.labels, ['bad', 'good']);
    assert.equal(job.source.run, 'run-1');
    assert.equal(job.training.learning_rate, 3e-5);
    assert.equal(job.training.warmup_steps, 2);
    assert.equal(job.training.gradient_accumulation_steps, 2);
    assert.equal(job.tokenization.longText, 'head+tail');
    // head+tail: Sun et al.'s 128 of 510 scaled to the 22 content tokens of max length 24 ([CLS] ... [SEP])
    assert.equal(job.tokenization.headTokens, Math.round((22 * 128) / 510));
    // 36 training texts (60 x 0.6), 8 x 2 per optimizer step: ceil(36 / 16) = 3 steps per epoch
    assert.deepEqual([job.data.sizes.train, job.expected.stepsPerEpoch, job.expected.totalSteps], [36, 3, 6]);
    // the engine's parameters with their decay flags: biases and LayerNorm weights are not decayed
    assert.ok(job.noDecay.includes('bert.embeddings.LayerNorm.weight') && job.noDecay.includes('classifier.bias'));
    assert.ok(!job.noDecay.includes('classifier.weight') && !job.noDecay.includes('bert.encoder.layer.0.attention.self.query.weight'));
    assert.deepEqual(job.trainable, job.parameters, "trainLayers 'all' trains every parameter");
    const readme = a.get('README.md')!.toString();
    assert.match(readme, /accelerate launch --config_file accelerate_config\.yaml --multi_gpu --num_processes N train\.py/);
    assert.match(readme, /sbatch slurm\.sbatch/);
    assert.match(readme, /gft import --model output\/model --split-of runs\/run-1/);
    assert.match(a.get('requirements.txt')!.toString(), /torch==2\.11\.0\ntransformers==5\.17\.0\naccelerate==1\.15\.0/);
    assert.match(a.get('slurm.sbatch')!.toString(), /srun bash -c 'accelerate launch --multi_gpu --num_machines "\$SLURM_NNODES"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('every supported setting is mapped to its Trainer name', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-job-map-'));
  try {
    const data = prepareData({ data: tinyDataset(root, 80), split: { validation: 0.2, test: 0.2, seed: 1 } });
    const cases: { arch: Arch; config: Partial<TrainConfig>; want: (j: TrainerJob) => void }[] = [
      {
        arch: 'bert',
        config: {},
        want: (j) => {
          const d = DEFAULT_TRAIN_CONFIG;
          assert.deepEqual(
            [
              j.training.learning_rate,
              j.training.lr_scheduler_type,
              j.training.warmup_steps,
              j.training.weight_decay,
              j.training.max_grad_norm,
              j.training.num_train_epochs,
              j.training.batch_size,
              j.training.gradient_accumulation_steps,
              j.training.seed,
              j.training.data_seed,
            ],
            [d.lr, d.schedule, d.warmupSteps, d.weightDecay, d.maxGradNorm, d.epochs, d.batchSize, d.gradAccumSteps, d.seed, d.seed],
          );
          assert.deepEqual([j.training.optim, j.training.adam_beta1, j.training.adam_beta2, j.training.adam_epsilon], ['adamw_torch', 0.9, 0.999, 1e-8]);
          // 48 training texts, batch 16: 3 steps per epoch, 3 epochs; 'auto' = 2 validations per epoch -> every 2 steps
          assert.equal(j.expected.totalSteps, 9);
          assert.deepEqual([j.training.eval_strategy, j.training.eval_steps, j.training.save_strategy, j.training.save_steps], ['steps', 2, 'steps', 2]);
          assert.deepEqual([j.training.metric_for_best_model, j.training.greater_is_better, j.training.load_best_model_at_end], ['accuracy', true, true]);
          assert.equal(j.training.eval_batch_size, 32);
          assert.equal(j.tokenization.maxLength, 64, "max length 128 is above the tokenizer's 64: the run used 64");
          assert.deepEqual([j.tokenization.longText, j.tokenization.evalLongText], ['head', 'head']);
          assert.equal(j.model.tokenTypeIds, true);
        },
      },
      {
        arch: 'distilbert',
        config: {
          schedule: 'constant',
          warmupSteps: 5,
          weightDecay: 0.1,
          maxGradNorm: 0,
          epochs: 4,
          batchSize: 4,
          gradAccumSteps: 3,
          seed: 7,
          maxLength: 32,
          longText: 'tail',
          evalLongText: 'head',
          patience: 2,
          bestMetric: 'loss',
          keepCheckpoints: 3,
        },
        want: (j) => {
          assert.deepEqual(
            [
              j.training.lr_scheduler_type,
              j.training.warmup_steps,
              j.training.weight_decay,
              j.training.max_grad_norm,
              j.training.num_train_epochs,
              j.training.batch_size,
              j.training.gradient_accumulation_steps,
              j.training.seed,
              j.training.data_seed,
            ],
            ['constant', 5, 0.1, 0, 4, 4, 3, 7, 7],
          );
          assert.deepEqual(
            [j.training.eval_strategy, j.training.save_strategy, j.training.eval_steps],
            ['epoch', 'epoch', undefined],
            '4 epochs with auto: once per epoch',
          );
          assert.deepEqual([j.training.metric_for_best_model, j.training.greater_is_better], ['loss', false]);
          assert.deepEqual([j.training.early_stopping_patience, j.training.save_total_limit], [2, 3]);
          assert.deepEqual([j.tokenization.maxLength, j.tokenization.longText, j.tokenization.evalLongText], [32, 'tail', 'head']);
          assert.equal(j.expected.stepsPerEpoch, Math.ceil(48 / 12));
          assert.equal(j.model.tokenTypeIds, false);
          assert.ok(j.noDecay.includes('distilbert.transformer.layer.0.sa_layer_norm.weight'));
        },
      },
      {
        arch: 'roberta',
        config: { evalEvery: 'epoch', bestMetric: 'macroF1', trainLayers: 'head' },
        want: (j) => {
          assert.deepEqual([j.training.eval_strategy, j.training.metric_for_best_model], ['epoch', 'macro_f1']);
          assert.deepEqual(j.trainable, ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']);
        },
      },
      {
        arch: 'bert',
        config: { evalEvery: 3, trainLayers: { top: 1 } },
        want: (j) => {
          assert.deepEqual([j.training.eval_strategy, j.training.eval_steps, j.training.save_steps], ['steps', 3, 3]);
          // the top layer (layer 1 of 2) and the head (pooler + classifier)
          assert.ok(j.trainable.every((n) => n.startsWith('bert.encoder.layer.1.') || n.startsWith('bert.pooler.') || n.startsWith('classifier.')));
          assert.ok(
            j.trainable.includes('bert.encoder.layer.1.output.dense.weight') &&
              j.trainable.includes('bert.pooler.dense.bias') &&
              j.trainable.includes('classifier.weight'),
          );
          assert.ok(!j.trainable.some((n) => n.includes('layer.0.') || n.includes('embeddings')));
          assert.deepEqual(j.lrScale, {}, 'layer-wise learning-rate decay off: no factors');
        },
      },
      {
        // layer-wise learning-rate decay 0.5 over the tiny BERT's 2 layers: head 1, layer 2 of 2 0.5, layer 1 0.25,
        // embeddings 0.125; only factors other than 1 are listed, only for trained parameters
        arch: 'bert',
        config: { layerLrDecay: 0.5 },
        want: (j) => {
          assert.equal(j.gftConfig.layerLrDecay, 0.5);
          assert.equal(j.lrScale['bert.encoder.layer.1.output.dense.weight'], 0.5);
          assert.equal(j.lrScale['bert.encoder.layer.0.attention.self.query.bias'], 0.25);
          assert.equal(j.lrScale['bert.embeddings.word_embeddings.weight'], 0.125);
          assert.ok(!('classifier.weight' in j.lrScale) && !('bert.pooler.dense.weight' in j.lrScale), 'the head trains at lr');
          assert.equal(Object.keys(j.lrScale).length, j.trainable.filter((n) => !n.startsWith('classifier.') && !n.startsWith('bert.pooler.')).length);
        },
      },
    ];
    for (const c of cases) {
      const folder = tinyModelFolder(root, c.arch);
      const cfg = resolveTrainConfig(c.config);
      const m = await loadTrainableModel(folder, 2, cfg.seed, { weights: false });
      const job = buildJob(cfg, m, data, { data: 'x', split: { validation: 0.2, test: 0.2, seed: 1 } });
      assert.equal(job.model.architecture, c.arch);
      assert.deepEqual(
        job.parameters,
        m.model.params.map((p) => p.name),
      );
      assert.deepEqual(job.gftConfig, cfg);
      c.want(job);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('settings Trainer cannot express are refused with one line, before anything is written', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-job-refuse-'));
  try {
    const model = tinyModelFolder(root, 'bert');
    const data = tinyDataset(root);
    const cases: [string[], RegExp][] = [
      [['--model', 'starter'], /the starter model \(Universal Sentence Encoder Lite.*\) has no transformers class; export a run of a Hugging Face model/],
      [['--model', model, '--long-text', 'sentence-mean'], /--long-text sentence-mean .* use --long-text head, tail or head\+tail/],
      [['--model', model, '--long-text', 'chunks'], /--long-text chunks .* has no Trainer equivalent; use --long-text head, tail or head\+tail/],
      [['--model', model, '--eval-long-text', 'chunks'], /--eval-long-text chunks .* use --eval-long-text head, tail or head\+tail/],
      [['--model', model, '--no-shuffle'], /--no-shuffle keeps the training order, but Trainer always draws a seeded random order; drop --no-shuffle/],
    ];
    for (const [args, re] of cases) {
      const io = capture();
      const out = join(root, 'job');
      const code = await main(['job', 'export', '--config', ...args, '--data', data, '--out', out], io);
      assert.equal(code, 2, args.join(' '));
      assert.equal(io.errs.length, 1, `one line: ${io.errs.join(' | ')}`);
      assert.ok(!io.errs[0].includes('\n'));
      assert.match(io.errs[0], /^gft job: cannot export as a Trainer job: /);
      assert.match(io.errs[0], re);
      assert.ok(!existsSync(out), 'nothing written');
    }
    // a run folder's refusal is the same line (a sentence-mean run)
    const runDir = fakeRun(root, model, data, { longText: 'sentence-mean' });
    const io = capture();
    assert.equal(await main(['job', 'export', '--run', runDir, '--out', join(root, 'job')], io), 2);
    assert.match(io.errs[0], /--long-text sentence-mean/);
    // usage errors
    for (const [args, re] of [
      [['job', 'export', '--run', runDir], /--out JOBDIR is required/],
      [['job', 'export', '--out', join(root, 'j')], /give --run DIR .* or --model ID --data SPEC/],
      [['job', 'start', '--run', runDir, '--out', join(root, 'j')], /unknown job command 'start'; use 'gft job export'/],
    ] as [string[], RegExp][]) {
      const e = capture();
      assert.equal(await main(args, e), 2);
      assert.match(e.errs.join('\n'), re);
    }
    assert.equal(refusalOf(resolveTrainConfig({}), model), undefined, 'the defaults map');
    // an existing non-empty folder is not overwritten
    mkdirSync(join(root, 'full'));
    writeFileSync(join(root, 'full', 'x'), 'x');
    const e = capture();
    assert.equal(await main(['job', 'export', '--run', fakeRun(join(root, 'r2'), model, data), '--out', join(root, 'full')], e), 1);
    assert.match(e.errs[0], /exists and is not empty; choose a new --out folder/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const python = () => ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['--version']).status === 0);

test("train.py cuts and wraps texts as gft does (head, tail, head+tail), with the tokenizer's own ids", async (t) => {
  const py = python();
  if (!py) return t.skip('no python3 on this machine');
  const root = mkdtempSync(join(tmpdir(), 'gft-job-cut-'));
  try {
    for (const arch of ['bert', 'roberta'] as Arch[]) {
      const tok = await loadHfTokenizer(tinyModelFolder(root, arch));
      const texts = randomTexts(12, 9, 1, 40);
      const maxLength = 16;
      const headTokens = defaultHeadTokens(contentBudget(tok.specials, maxLength));
      // train.py's tokenizer calls, answered with this project's tokenizer (the real job uses AutoTokenizer on the same tokenizer.json)
      const calls: Record<string, { plain: number[]; special: number[] }> = {};
      for (const x of [...texts, 'hello world', 'a', 'the']) {
        const ids = tok.encode(x);
        calls[x] = { plain: ids, special: [...tok.specials.prefix, ...ids, ...tok.specials.suffix] };
      }
      const job = await exportTrainerJob({
        train: { model: join(root, `model-${arch}`), data: tinyDataset(root), config: {} },
        out: join(root, `job-${arch}`),
      });
      const script = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location('train', sys.argv[1]); train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)
calls = json.loads(sys.stdin.read())
class Tok:
    def __call__(self, text, add_special_tokens=True):
        return {'input_ids': list(calls['calls'][text]['special' if add_special_tokens else 'plain'])}
rows = [{'text': x, 'label': 'a'} for x in calls['texts']]
out = {s: [r['input_ids'] for r in train.Encoded(Tok(), rows, {'a': 0}, s, calls['maxLength'], calls['headTokens'], False).items] for s in ('head', 'tail', 'head+tail')}
print(json.dumps(out))`;
      const res: { status: number | null; stdout: string; stderr: string } = spawnSync(py, ['-c', script, join(job.dir, 'train.py')], {
        input: JSON.stringify({ calls, texts, maxLength, headTokens }),
        encoding: 'utf8',
      });
      assert.equal(res.status, 0, res.stderr);
      const got = JSON.parse(res.stdout) as Record<string, number[][]>;
      for (const strategy of ['head', 'tail', 'head+tail'] as const) {
        const want = encodeDocuments(
          tok,
          texts.map((text) => ({ text, label: 0 })),
          { strategy, maxLength },
        ).map((row) => row.ids);
        assert.deepEqual(got[strategy], want, `${arch} ${strategy}`);
      }
      assert.ok(
        texts.some((x) => tok.encode(x).length > maxLength),
        'some texts are cut',
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('train.py compiles (python3 -m py_compile)', async (t) => {
  const py = python();
  if (!py) return t.skip('no python3 on this machine');
  const root = mkdtempSync(join(tmpdir(), 'gft-job-py-'));
  try {
    const model = tinyModelFolder(root, 'bert');
    const r = await exportTrainerJob({ train: { model, data: tinyDataset(root), config: {} }, out: join(root, 'job') });
    const c = spawnSync(py, ['-m', 'py_compile', join(r.dir, 'train.py')], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    assert.match(readFileSync(join(r.dir, 'README.md'), 'utf8'), /gft import --model output\/model --data \S+reviews\.jsonl --split 0\.1,0\.2 --split-seed 42/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
