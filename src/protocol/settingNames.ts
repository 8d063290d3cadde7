// How advice names a setting, in the words of the place the person reads it: the fine-tune form's labels in the
// extension (REFLECTION.md written from VS Code), the CLI's flags in a terminal (gft reflect, gft demo). The form
// (src/ui/viewmodel/fineTuneForm.ts) takes its labels from here, so the two cannot drift apart. Imports nothing.

export type SettingsPlace = 'form' | 'cli';

/** The long-text strategies as the form's "Long texts" list names them. */
export const LONG_TEXT_LABELS = {
  head: 'Beginning (head)',
  tail: 'End (tail)',
  'head+tail': 'Beginning and end',
  chunks: 'All of it, in windows (chunks)',
  'sentence-mean': 'Sentence by sentence (sentence-mean)',
} as const;

export type LongTextValue = keyof typeof LONG_TEXT_LABELS;

/** The form's labels of the settings advice may name, and the CLI flag of each. */
export const SETTING_LABELS = {
  longText: { form: 'Long texts', cli: '--long-text' },
  maxLength: { form: 'Max length (tokens)', cli: '--max-length' },
  epochs: { form: 'Epochs', cli: '--epochs' },
  lr: { form: 'Learning rate', cli: '--lr' },
} as const;

export type NamedSetting = keyof typeof SETTING_LABELS;

/**
 * A setting with a value, as the place names it: form → “Long texts: All of it, in windows (chunks)”,
 * cli → `--long-text chunks`. Markdown (the reflection and the reports are Markdown).
 */
export function settingName(place: SettingsPlace, key: NamedSetting, value: string | number): string {
  const names = SETTING_LABELS[key];
  if (place === 'cli') return `\`${names.cli} ${value}\``;
  const shown = key === 'longText' ? (LONG_TEXT_LABELS as Record<string, string>)[String(value)] ?? String(value) : String(value);
  return `“${names.form}: ${shown}”`;
}
