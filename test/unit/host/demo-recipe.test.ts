// The demo report states its fine-tuning recipe as gft train's flags (from the settings schema's
// STARTER_DEMO_CONFIG, the same settings the demo trains with) and why it is the demo's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_RECIPE_WHY, demoRecipeNote, demoTrainConfig } from '../../../src/host/report/demo';
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
