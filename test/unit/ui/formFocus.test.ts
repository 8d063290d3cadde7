// The fine-tune form's rules for the extension's answers that arrive while someone types (webview/formFocus.ts):
// the check of the values does not take the keyboard from the field being typed in, and values sent by the
// extension (its copy, up to one debounce old) do not overwrite that field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorFocus, renderValues, valuesToSet } from '../../../webview/formFocus';

test('errorFocus: the first field in error gets the keyboard after a button press, never away from a field being typed in', () => {
  // Pressed Estimate (the button has the focus, no field): to the first setting to fix.
  assert.equal(errorFocus('epochs', undefined), 'epochs');
  // Typing in lr when the check of the previous values comes back: the keys keep going into lr.
  assert.equal(errorFocus('epochs', 'lr'), undefined);
  // Typing in the field that is in error: it has the keyboard already.
  assert.equal(errorFocus('epochs', 'epochs'), undefined);
  assert.equal(errorFocus(undefined, undefined), undefined);
});

test('valuesToSet: Reset and Browse values go into every field but the one being typed in', () => {
  const sent = { epochs: '3', lr: '5e-5', seed: '42' };
  // Reset pressed: the button has the focus, every field takes the default.
  assert.deepEqual(valuesToSet(sent, undefined), sent);
  // The extension's copy of seed is older than what is being typed into seed: seed is left alone.
  assert.deepEqual(valuesToSet(sent, 'seed'), { epochs: '3', lr: '5e-5' });
  // A focused field the message does not name changes nothing.
  assert.deepEqual(valuesToSet(sent, 'threads'), sent);
});

test('renderValues: reopening the form keeps what the fields hold over the extension copy; the first render takes the extension values', () => {
  assert.deepEqual(renderValues({ epochs: '3', seed: '42' }, undefined), { epochs: '3', seed: '42' });
  // '7' was typed into seed after the extension last heard of it: it stays.
  assert.deepEqual(renderValues({ epochs: '3', seed: '4', dataset: 'builtin:new' }, { epochs: '3', seed: '7' }), {
    epochs: '3',
    seed: '7',
    dataset: 'builtin:new',
  });
});
