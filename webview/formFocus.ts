// The form's rules for messages from the extension that arrive while someone is typing (DOM-free, unit-tested in
// node): the extension answers a press of Estimate, Start or Search… with its check of the values, Reset and
// Browse… with values, and reopening the form with its fields, all asynchronously. None of them may take the
// keyboard away from the field the person is typing in, nor put the extension's copy of the values (up to one
// 'changed' debounce old) over what they are typing.
import type { FormValues } from '../src/protocol/formMessages';

/**
 * The field to focus when the check of the values comes back with errors: the first field in error (form order),
 * so the person pressing a button lands on what to fix; none while a field has the focus (they are typing there
 * already, and moving them would send their next keys into another field).
 */
export function errorFocus(firstError: string | undefined, focusedField: string | undefined): string | undefined {
  return focusedField === undefined ? firstError : undefined;
}

/** The values of a 'values' message to put into the fields: all it names but the focused field's, which holds what is being typed. */
export function valuesToSet(incoming: FormValues, focusedField: string | undefined): FormValues {
  return Object.fromEntries(Object.entries(incoming).filter(([k]) => k !== focusedField));
}

/**
 * The values a re-render ('init', when the form is opened again) starts from: the extension's, overridden by what
 * the fields hold now (typed after the extension last heard of it); the extension's alone on the first render.
 */
export function renderValues(incoming: FormValues, current: FormValues | undefined): FormValues {
  return current ? { ...incoming, ...current } : incoming;
}
