// The demo report states its fine-tuning recipe as gft train's flags (from the settings schema's
// STARTER_DEMO_CONFIG, the same settings the demo trains with) and why it is the demo's; its ensembles' members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ENSEMBLES, DEMO_RECIPE_WHY, demoRecipeNote, demoTrainConfig, ensembleMembers } from '../../../src/host/report/demo';
import type { RunResult } from '../../../src/protocol';
import { parseSetting, resolveTrainConfig, SETTING_KEYS, SETTINGS, type SettingSpec } from '../../../src/shared/settings';

test("the demo report's recipe line is the demo's own settings, as flags gft train reads back", () => {
  for (const quick of [false, true]) {
    const note = demoRecipeNote(quick);
    assert.ok(note.startsWith('Fine-tuning recipe: gft train --model starter '), note);
    assert.ok(note.endsWith(DEMO_RECIPE_WHY), note);
    // every flag in the line parses back to the value the demo trains with
    const c = resolveTrainConfig(demoTrainConfig(quick));
    const command = note.slice(0, note.indexOf(' (the other settings at their defaults)'));
    const pairs = [...command.matchAll(/--([a-z-]+) (\S+)/g)].filter(([, f]) => f !== 'model');
    assert.ok(pairs.length >= 5, note);
    for (const [, flag, raw] of pairs) {
      const key = SETTING_KEYS.find((k) => (SETTINGS[k] as SettingSpec).cli?.flag === flag)!;
      assert.ok(key, `--${flag} is a setting's flag`);
      assert.deepEqual(parseSetting(key, raw), c[key as keyof typeof c], `--${flag} ${raw}`);
    }
    assert.ok(note.includes('--long-text sentence-mean') && note.includes('--train-layers '), note);
  }
  assert.match(demoRecipeNote(true), /--epochs 2 /);
});

test("the demo's ensembles take one completed run of each member kind, in the listed order, or are left out", () => {
  const run = (kind: RunResult['kind'], status: RunResult['status'] = 'completed'): RunResult => ({ runId: kind, runDir: `/runs/${kind}`, kind, status });
  const [pair, triple] = DEMO_ENSEMBLES;
  assert.match(pair.title, /^Ensemble: TF-IDF \+ fine-tuned/);
  assert.match(triple.title, /^Ensemble: TF-IDF \+ NBSVM \+ fine-tuned/);
  const all = [run('baseline-tfidf'), run('baseline-embeddings'), run('finetune'), run('baseline-nbsvm')];
  assert.deepEqual(
    ensembleMembers(all, pair.kinds)?.map((r) => r.kind),
    ['baseline-tfidf', 'finetune'],
  );
  assert.deepEqual(
    ensembleMembers(all, triple.kinds)?.map((r) => r.kind),
    ['baseline-tfidf', 'baseline-nbsvm', 'finetune'],
  );
  // a failed NBSVM leaves the pair only; a head-only run stands for the fine-tuned one; no fine-tuned run, no ensemble
  const nbsvmFailed = [run('baseline-tfidf'), run('baseline-nbsvm', 'failed'), run('head-only')];
  assert.deepEqual(
    ensembleMembers(nbsvmFailed, pair.kinds)?.map((r) => r.kind),
    ['baseline-tfidf', 'head-only'],
  );
  assert.equal(ensembleMembers(nbsvmFailed, triple.kinds), undefined);
  assert.equal(ensembleMembers([run('baseline-tfidf'), run('baseline-nbsvm'), run('finetune', 'cancelled')], pair.kinds), undefined);
});
