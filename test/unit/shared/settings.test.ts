// The settings schema (src/shared/settings.ts): one table gives the defaults, the checks and their one-line
// errors; the host names a setting, the CLI its flag; a resumed run takes more epochs and refuses other changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resumedConfig } from '../../../src/host/train/runFinetune';
import { finetuneRunConfig } from '../../../src/host/train/config';
import {
  checkSettings,
  cliName,
  DEFAULT_TRAIN_CONFIG,
  isValid,
  parseSetting,
  resolveTrainConfig,
  SETTING_KEYS,
  SETTINGS,
  SettingError,
  settingRule,
  TRAIN_KEYS,
  trainSettings,
  migrateConfig,
  migrateManifest,
  type SettingSpec,
} from '../../../src/shared/settings';

test('every setting has a default inside its own limits, a name and one line of help', () => {
  for (const k of SETTING_KEYS) {
    const s: SettingSpec = SETTINGS[k];
    assert.ok(s.help.length > 20 && s.help.length < 200 && !s.help.includes('\n') && s.help.endsWith('.'), `${k}: ${s.help}`);
    assert.ok(s.name.length > 0 && s.name === s.name.toLowerCase(), k);
    if (s.default !== undefined) assert.ok(isValid(k, s.default), `${k}'s default ${String(s.default)} breaks its own rule: ${settingRule(k)}`);
    else assert.ok(s.optional, `${k} has no default, so it must be optional`);
  }
  // the resolved defaults are the table's, and nothing else
  assert.deepEqual(resolveTrainConfig({}), DEFAULT_TRAIN_CONFIG);
  assert.deepEqual(Object.keys(DEFAULT_TRAIN_CONFIG).sort(), TRAIN_KEYS.filter((k) => !(SETTINGS[k] as SettingSpec).optional).sort());
});

test('one limit per setting, one wording: the host names the setting, the CLI its flag', () => {
  // learning rate: > 0 and <= 1 everywhere (it was >= 0 on the CLI, > 0 in the host, <= 0.1 in the form)
  assert.equal(parseSetting('lr', '0'), undefined);
  assert.equal(parseSetting('lr', '2'), undefined);
  assert.equal(parseSetting('lr', '1'), 1);
  assert.equal(parseSetting('lr', '5e-5'), 5e-5);
  assert.throws(
    () => resolveTrainConfig({ lr: 2 }),
    (e: unknown) =>
      e instanceof SettingError &&
      e.message === 'learning rate must be a number > 0 and <= 1 (got 2)' &&
      e.render(cliName) === '--lr must be a number > 0 and <= 1 (got 2)',
  );
  assert.throws(() => resolveTrainConfig({ lr: 0 }), /^Error: learning rate must be a number > 0 and <= 1 \(got 0\)$/);
  // max length: 3 to 4096 (the CLI took >= 2, the form 8-4096)
  assert.equal(parseSetting('maxLength', '2'), undefined);
  assert.equal(parseSetting('maxLength', '3'), 3);
  assert.equal(parseSetting('maxLength', '64.5'), undefined);
  assert.throws(() => checkSettings({ maxLength: 8192 }), /^Error: max length must be a whole number from 3 to 4096 \(got 8192\)$/);
  // the composite kinds
  assert.deepEqual(parseSetting('trainLayers', 'top:2'), { top: 2 });
  assert.equal(parseSetting('trainLayers', 'top:0'), undefined);
  assert.equal(parseSetting('evalEvery', 'epoch'), 'epoch');
  assert.equal(parseSetting('evalEvery', '7'), 7);
  assert.equal(parseSetting('evalEvery', '0'), undefined);
  assert.throws(() => checkSettings({ device: 'tpu' }), /^Error: device must be one of auto, cpu, cuda, webgpu \(got 'tpu'\)$/);
  assert.throws(
    () => trainSettings({ longText: 'middle' }),
    /^Error: long-text strategy must be one of head, tail, head\+tail, chunks, sentence-mean \(got 'middle'\)$/,
  );
  // a setting without a flag keeps its name on the CLI
  assert.equal(cliName('keepCheckpoints'), 'checkpoints kept');
  assert.equal(cliName('folds'), '--folds');
});

test('--resume: more epochs are taken, other changed settings refused with one line, the same values pass', () => {
  const saved = resolveTrainConfig({ epochs: 2, lr: 2e-4, seed: 7 });
  assert.equal(resumedConfig(saved, { epochs: 4 }).epochs, 4);
  assert.deepEqual(resumedConfig(saved, { ...saved }), saved);
  assert.throws(() => resumedConfig(saved, { epochs: 1 }), /^Error: epochs can only grow when a run resumes \(the run has 2, got 1\)$/);
  assert.throws(
    () => resumedConfig(saved, { lr: 1e-3, batchSize: 4 }),
    (e: unknown) =>
      e instanceof SettingError &&
      e.message ===
        'a resumed run keeps its settings: batch size (the run has 16), learning rate (the run has 0.0002) cannot change; only epochs, device, threads can (start a new run for other settings)' &&
      e
        .render(cliName)
        .startsWith(
          'a resumed run keeps its settings: --batch-size (the run has 16), --lr (the run has 0.0002) cannot change; only --epochs, --device, --threads can',
        ),
  );
});

test("run.json's config reads back typed, with its data and model; a foreign config is refused with one line", () => {
  const config = {
    ...resolveTrainConfig({ epochs: 1 }),
    data: { data: 'builtin:movie-reviews', split: { validation: 0.1, test: 0.2, seed: 42 }, model: 'starter' },
    execution: { device: 'cpu' },
  };
  const c = finetuneRunConfig({ id: 'r1', manifest: { config } });
  assert.equal(c.epochs, 1);
  assert.equal(c.data.model, 'starter');
  assert.deepEqual(c.data.split, { validation: 0.1, test: 0.2, seed: 42 });
  assert.deepEqual(c.execution, { device: 'cpu' });
  assert.throws(() => finetuneRunConfig({ id: 'r2', manifest: { config: { C: 10 } } }), /^Error: run r2: run\.json's config records no model/);
  assert.throws(() => finetuneRunConfig({ id: 'r3', manifest: { config: { ...config, lr: -1 } } }), /^Error: learning rate must be/);
});

test("an older run.json's 'freeze' reads as trainLayers, in its place; a config with both keeps the new one", () => {
  const old = { epochs: 2, freeze: { top: 1 }, lr: 4e-4 };
  const m = migrateConfig(old);
  assert.deepEqual(m, { epochs: 2, trainLayers: { top: 1 }, lr: 4e-4 });
  assert.deepEqual(Object.keys(m), ['epochs', 'trainLayers', 'lr']);
  assert.deepEqual(migrateConfig({ freeze: 'head', trainLayers: 'all' }), { trainLayers: 'all' });
  const today = { epochs: 1, trainLayers: 'head' };
  assert.equal(migrateConfig(today), today, 'a current config is returned as it is');
  const manifest = { id: 'r', kind: 'finetune', config: { ...old, data: { model: 'starter' } } };
  const read = migrateManifest(manifest);
  assert.deepEqual(read.config, { epochs: 2, trainLayers: { top: 1 }, lr: 4e-4, data: { model: 'starter' } });
  assert.deepEqual(resolveTrainConfig(read.config).trainLayers, { top: 1 });
  assert.equal(migrateManifest({ id: 'b', kind: 'baseline-tfidf', config: { C: 1 } }).config.C, 1);
});

test('the defaults are written once: the schema is the only source file with the default learning rate and batch size', () => {
  // what the CLI, the form and the host used to copy; their files now take them from the schema
  const cli = readdirSync('src/host/cli').map((f) => `src/host/cli/${f}`);
  for (const f of [
    'src/ui/viewmodel/fineTuneForm.ts',
    'webview/form.ts',
    ...cli,
    'src/host/train/config.ts',
    'src/host/train/setup.ts',
    'src/host/train/docPool.ts',
  ]) {
    const src = readFileSync(f, 'utf8');
    assert.ok(!/\b(5e-5|batchSize: 16|epochs: 3|keepCheckpoints: 2|0\.999|1e-8)\b/.test(src), `${f} repeats a default of the settings schema`);
  }
});
