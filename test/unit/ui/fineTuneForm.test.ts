// The "Fine-tune" form's view model: fields and defaults come from the settings schema, every setting has one line of explanation,
// typed values become the same request the CLI would send, bad values give one message per field, and the
// probe's numbers are formatted for people.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRAIN_CONFIG, resolveTrainConfig } from '../../../src/host/train/config';
import { SETTINGS, type SettingSpec } from '../../../src/shared/settings';
import { demoTrainConfig } from '../../../src/host/report/demo';
import type { ProbeResult } from '../../../src/protocol';
import {
  defaultValues,
  estimateView,
  formWarnings,
  STARTER_DEMO_VALUES,
  formatDuration,
  formFields,
  hubIdsFromCache,
  isShown,
  LOCAL_MODEL,
  parseForm,
  probeParams,
  trainParams,
  type FormContext,
} from '../../../src/ui/viewmodel/fineTuneForm';

const ctx: FormContext = {
  datasets: [
    { value: 'builtin:movie-reviews', label: 'Movie reviews (built-in)' },
    { value: '/data/tweets.csv', label: 'tweets.csv' },
  ],
  cachedModels: ['distilbert/distilbert-base-uncased'],
  defaultModel: 'starter',
  device: 'auto',
  threads: 0,
};

test("the form's settings are the schema's, with its limits, and every setting explains itself in one line", () => {
  const fields = formFields(ctx);
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const k of [
    'longText',
    'maxLength',
    'docPieces',
    'epochs',
    'batchSize',
    'lr',
    'trainLayers',
    'warmupSteps',
    'weightDecay',
    'patience',
    'bestMetric',
    'seed',
    'device',
    'threads',
  ] as const) {
    const f = byKey.get(k);
    assert.ok(f, k);
    assert.equal(f.label, (SETTINGS[k] as SettingSpec).form?.label, k);
    assert.equal(f.help, SETTINGS[k].help, k);
  }
  assert.deepEqual([byKey.get('maxLength')!.min, byKey.get('maxLength')!.max], [SETTINGS.maxLength.min, SETTINGS.maxLength.max]);
  assert.equal(byKey.get('lr')!.default, '5e-5');
  assert.equal(new Set(fields.map((f) => f.key)).size, fields.length);
  for (const f of fields) {
    assert.ok(f.help.length > 20 && f.help.length < 200 && !f.help.includes('\n') && f.help.endsWith('.'), `${f.key}: ${f.help}`);
    assert.ok(f.label.length > 0);
    if (f.kind === 'select')
      assert.ok(
        f.options!.some((o) => o.value === f.default),
        `${f.key}'s default ${f.default} is one of its options`,
      );
  }
  const parsed = parseForm(fields, defaultValues(fields));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.model, 'starter');
  assert.equal(parsed.value.data, 'builtin:movie-reviews');
  // The defaults resolve to exactly the host's default configuration.
  assert.deepEqual(resolveTrainConfig(parsed.value.config), DEFAULT_TRAIN_CONFIG);
  assert.deepEqual(probeParams(parsed.value, { validation: 0.1, test: 0.2, seed: 7 }), {
    model: 'starter',
    data: 'builtin:movie-reviews',
    split: { validation: 0.1, test: 0.2, seed: 7 },
    config: parsed.value.config,
    device: 'auto',
    threads: 0,
  });
  assert.deepEqual(trainParams(parsed.value, '/ws/runs'), {
    model: 'starter',
    data: 'builtin:movie-reviews',
    runsRoot: '/ws/runs',
    config: parsed.value.config,
    device: 'auto',
    threads: 0,
  });
});

test('choices: top-k layers, sentence-mean pieces, a local model folder, device and threads from the settings', () => {
  const fields = formFields({ ...ctx, device: 'cpu', threads: 2 });
  const v = {
    ...defaultValues(fields),
    trainLayers: 'top',
    topLayers: '2',
    longText: 'sentence-mean',
    docPieces: '6',
    maxLength: '64',
    lr: '4e-4',
    model: LOCAL_MODEL,
    modelPath: '/models/bert',
  };
  const byKey = new Map(fields.map((f) => [f.key, f]));
  assert.ok(isShown(byKey.get('docPieces')!, v) && isShown(byKey.get('topLayers')!, v) && isShown(byKey.get('modelPath')!, v));
  assert.ok(!isShown(byKey.get('docPieces')!, defaultValues(fields)));
  const r = parseForm(fields, v);
  assert.ok(r.ok);
  assert.equal(r.value.model, '/models/bert');
  assert.deepEqual(r.value.config.trainLayers, { top: 2 });
  assert.equal(r.value.config.docPieces, 6);
  assert.equal(r.value.config.lr, 4e-4);
  assert.equal(r.value.device, 'cpu');
  assert.equal(r.value.threads, 2);
  assert.equal(resolveTrainConfig(r.value.config).maxLength, 64);
  // docPieces only travels with sentence-mean.
  const head = parseForm(fields, { ...v, longText: 'head' });
  assert.ok(head.ok && head.value.config.docPieces === undefined);
  // A default model that is not in the list is offered as a folder / hub id, pre-filled.
  const other = formFields({ ...ctx, defaultModel: 'bert-base-uncased' });
  assert.equal(defaultValues(other).model, LOCAL_MODEL);
  assert.equal(defaultValues(other).modelPath, 'bert-base-uncased');
});

test('bad values: one plain message per field, nothing is sent', () => {
  const fields = formFields(ctx);
  const r = parseForm(fields, {
    ...defaultValues(fields),
    epochs: '0',
    batchSize: '2.5',
    lr: 'fast',
    weightDecay: '3',
    seed: '',
    model: LOCAL_MODEL,
    modelPath: ' ',
    device: 'tpu',
  });
  assert.ok(!r.ok);
  assert.deepEqual(Object.keys(r.errors).sort(), ['batchSize', 'device', 'epochs', 'lr', 'modelPath', 'seed', 'weightDecay']);
  // the schema's rule in its wording, named by the field's label (the host says "epochs must be ...", gft --epochs)
  assert.equal(r.errors.epochs, 'Epochs must be a whole number from 1 to 1000.');
  assert.equal(r.errors.batchSize, 'Batch size must be a whole number from 1 to 4096.');
  assert.equal(r.errors.lr, 'Learning rate must be a number > 0 and <= 1.');
  assert.equal(r.errors.weightDecay, 'Weight decay must be a number from 0 to 1.');
  assert.equal(r.errors.device, 'Device: choose one of the list.');
  // One rule, one message: every way of breaking a field says the same thing.
  for (const [key, bad] of [
    ['lr', ['abc', '0', '-1', '', '2']],
    ['epochs', ['abc', '0', '2.5', '1001']],
    ['weightDecay', ['x', '-0.1', '2']],
    ['maxLength', ['2', '4097', 'x']],
  ] as const) {
    const msgs = new Set(bad.map((b) => (parseForm(fields, { ...defaultValues(fields), [key]: b }) as { errors: Record<string, string> }).errors[key]));
    assert.equal(msgs.size, 1, `${key}: ${[...msgs].join(' | ')}`);
  }
  assert.match(r.errors.modelPath, /enter a folder path or a hub id/);
  for (const e of Object.values(r.errors)) assert.ok(!e.includes('\n'));
  // the same limits as the CLI and the host: 0.5 is accepted, with a warning at the field
  const fast = parseForm(fields, { ...defaultValues(fields), lr: '0.5', maxLength: '3' });
  assert.ok(fast.ok && fast.value.config.lr === 0.5 && fast.value.config.maxLength === 3);
  assert.match(formWarnings({ ...defaultValues(fields), lr: '0.5' }).lr ?? '', /^0\.5 is far too large for fine-tuning/);
  assert.equal(formWarnings({ ...defaultValues(fields), lr: '4e-4' }).lr, undefined);
  const topBad = parseForm(fields, { ...defaultValues(fields), trainLayers: 'top', topLayers: '0' });
  assert.ok(!topBad.ok && topBad.errors.topLayers === 'Top layers to train must be a whole number from 1 to 1000.');
  const noData = formFields({ ...ctx, datasets: [] });
  const nd = parseForm(noData, defaultValues(noData));
  assert.ok(!nd.ok);
  assert.equal(nd.errors.dataset, 'Dataset: add one first (Guided Fine-Tune: Add Dataset).');
});

test('the model cache lists hub ids; durations and the estimate read naturally', () => {
  assert.deepEqual(hubIdsFromCache(['distilbert--distilbert-base-uncased', '.tmp', 'refs', 'sentence-transformers--all-MiniLM-L6-v2']), [
    'distilbert/distilbert-base-uncased',
    'sentence-transformers/all-MiniLM-L6-v2',
  ]);
  assert.deepEqual([0.2, 42, 89, 90, 3000, 5400, 6000, 7190].map(formatDuration), [
    '1 s',
    '42 s',
    '89 s',
    '2 min',
    '50 min',
    '1 h 30 min',
    '1 h 40 min',
    '2 h',
  ]);
  const r: ProbeResult = {
    device: 'cpu, 2 threads · cpu: 2 x AMD EPYC (linux/x64)',
    deviceKind: 'cpu',
    threads: 2,
    measuredSteps: 3,
    stepSeconds: [2.1, 1.9, 1.9],
    secondsPerStep: 1.9,
    rowsPerStep: 128,
    stepsPerEpoch: 88,
    secondsPerEpoch: 167.2,
    epochs: 3,
    evalPasses: 4,
    evalSeconds: 100,
    totalSeconds: 601.6,
    setupSeconds: 11,
    peakRssMiB: 1309,
    trainableParams: 2_891_266,
    totalParams: 6_976_770,
    trainTexts: 1400,
    trainRows: 48_580,
    maxLength: 64,
    notes: ['sentence-mean reads up to 8 sentences per text per step'],
  };
  const e = estimateView(r);
  assert.equal(e.perEpoch, '3 min');
  assert.equal(e.total, '10 min');
  assert.equal(e.memory, '1.3 GB');
  assert.deepEqual(
    e.rows.map((x) => x.label),
    ['Time per epoch', 'Total', 'Memory', 'Trained weights', 'Data', 'Device'],
  );
  assert.equal(e.rows[0].value, '3 min (88 steps × 1.90 s, measured over 3 real steps)');
  assert.equal(e.rows[1].value, 'about 10 min: 3 epochs + 4 evaluation passes (2 min), plus 11 s to load and prepare');
  assert.equal(e.rows[3].value, '2.9M of 7.0M parameters (41%)');
  assert.deepEqual(e.notes, r.notes);
});

test('presets: "General defaults" restores the defaults, the starter preset is exactly gft demo\'s fine-tuning', () => {
  const fields = formFields(ctx);
  const preset = fields.find((f) => f.key === 'preset')!;
  assert.equal(preset.default, 'defaults');
  const apply = (value: string, start = defaultValues(fields)) => ({ ...start, ...preset.options!.find((o) => o.value === value)!.applies });
  const demo = parseForm(fields, apply('starter-demo'));
  assert.ok(demo.ok);
  assert.equal(demo.value.model, 'starter');
  // The same settings, except the validation schedule: the form keeps the default ('auto', twice per epoch for 3
  // epochs: more points on the live curve), gft demo validates once per epoch as when its numbers were measured.
  assert.deepEqual({ ...resolveTrainConfig(demo.value.config), evalEvery: 'epoch' }, resolveTrainConfig(demoTrainConfig(false)));
  assert.equal(resolveTrainConfig(demo.value.config).evalEvery, 'auto');
  assert.deepEqual(STARTER_DEMO_VALUES.model, 'starter');
  // Back to the general defaults from edited values: every training setting is the host default again.
  const back = parseForm(fields, apply('defaults', { ...apply('starter-demo'), epochs: '9', seed: '5' }));
  assert.ok(back.ok);
  assert.deepEqual(resolveTrainConfig(back.value.config), DEFAULT_TRAIN_CONFIG);
});

test("a max length above the starter model's 128 tokens warns at the field; within the cap or another model, no warning", () => {
  assert.match(
    formWarnings({ model: 'starter', maxLength: '512', longText: 'head' }).maxLength ?? '',
    /^The starter model reads at most 128 tokens: 512 becomes 128\. To read more/,
  );
  assert.match(
    formWarnings({ model: 'starter', maxLength: '256', longText: 'sentence-mean' }).maxLength ?? '',
    /^The starter model reads at most 128 tokens: 256 becomes 128\.$/,
  );
  assert.deepEqual(formWarnings({ model: 'starter', maxLength: '128', longText: 'head' }), {});
  assert.deepEqual(formWarnings({ model: 'distilbert/distilbert-base-uncased', maxLength: '512', longText: 'head' }), {});
});
