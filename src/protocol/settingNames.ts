// How advice names a setting, in the words of the place the person reads it: the fine-tune form's labels in the
// extension (REFLECTION.md written from VS Code), the CLI's flags in a terminal (gft reflect, gft demo). The form
// and the CLI take their labels and flags from the settings schema (src/shared/settings.ts), as this file does.
import { SETTINGS, type LongText } from '../shared/settings';

export type SettingsPlace = 'form' | 'cli';

/** The long-text strategies as the form's "Long texts" list names them (the settings schema's labels). */
export const LONG_TEXT_LABELS = Object.fromEntries(SETTINGS.longText.choices.map((c) => [c.value, c.label])) as Record<LongText, string>;

export type LongTextValue = LongText;

const named = <K extends 'longText' | 'maxLength' | 'epochs' | 'lr'>(k: K) => ({ form: SETTINGS[k].form.label, cli: `--${SETTINGS[k].cli.flag}` });

/** The form's labels of the settings advice may name, and the CLI flag of each (from the settings schema). */
export const SETTING_LABELS = { longText: named('longText'), maxLength: named('maxLength'), epochs: named('epochs'), lr: named('lr') };

export type NamedSetting = keyof typeof SETTING_LABELS;

/**
 * A setting with a value, as the place names it: form → “Long texts: All of it, in windows (chunks)”,
 * cli → `--long-text chunks`. Markdown (the reflection and the reports are Markdown).
 */
export function settingName(place: SettingsPlace, key: NamedSetting, value: string | number): string {
  const names = SETTING_LABELS[key];
  if (place === 'cli') return `\`${names.cli} ${value}\``;
  const shown = key === 'longText' ? ((LONG_TEXT_LABELS as Record<string, string>)[String(value)] ?? String(value)) : String(value);
  return `“${names.form}: ${shown}”`;
}
