// The training flags of gft train, probe and cv, derived from the settings schema (src/shared/settings.ts): the
// parseArgs options, the help lines and the parsing with the schema's checks, said with the flag (`--lr must be
// a number > 0 and <= 1 (got '2')`). Also what `gft train --resume` accepts.
import {
  numberText,
  parseSetting,
  RESUMABLE,
  SETTING_KEYS,
  SETTINGS,
  settingRule,
  shown,
  trainSettings,
  type DeviceChoice,
  type SettingKey,
  type SettingSpec,
  type TrainConfig,
} from '../../shared/settings';
import { str, UsageError, type Options, type Values } from './common';

const spec = (k: SettingKey): SettingSpec => SETTINGS[k];
const withFlag = SETTING_KEYS.filter((k) => spec(k).cli);
const EXECUTION: SettingKey[] = ['device', 'threads'];
const TRAINING = withFlag.filter((k) => !EXECUTION.includes(k));

/** The flag's text in help: `--epochs N`, `--long-text head|tail|...`, `--no-shuffle`. */
function flagText(k: SettingKey): string {
  const s = spec(k);
  const flag = `--${s.cli!.flag}`;
  if (s.cli!.metavar) return `${flag} ${s.cli!.metavar}`;
  switch (s.kind) {
    case 'boolean':
      return flag;
    case 'int':
      return `${flag} N`;
    case 'number':
      return `${flag} X`;
    case 'choice':
      return `${flag} ${s.choices.map((c) => c.value).join('|')}`;
    default:
      return flag;
  }
}

function defaultText(k: SettingKey): string | undefined {
  const s = spec(k);
  if (s.cli?.defaultText) return s.cli.defaultText;
  if (s.kind === 'boolean' || s.default === undefined) return undefined;
  return typeof s.default === 'string' ? s.default : numberText(s.default);
}

/** Wraps `text` to `width` columns, continuation lines indented by `indent`. */
function wrap(first: string, text: string, indent: number, width = 118): string {
  const lines: string[] = [];
  let line = first.length >= indent ? `${first}  ` : first.padEnd(indent);
  for (const word of text.split(' ')) {
    if (line.length + word.length > width && line.trim().length > 0 && line.length > indent) {
      lines.push(line.trimEnd());
      line = ' '.repeat(indent);
    }
    line += `${word} `;
  }
  lines.push(line.trimEnd());
  return lines.join('\n');
}

function helpLines(keys: readonly SettingKey[]): string {
  return keys
    .map((k) => {
      const d = defaultText(k);
      return wrap(`  ${flagText(k)}`, `${spec(k).help}${d ? ` Default: ${d}.` : ''}`, 25);
    })
    .join('\n');
}

/** parseArgs options of the training flags (with --device and --threads, and the deprecated names still accepted). */
export const trainOptions: Options = Object.fromEntries(
  withFlag.flatMap((k) => {
    const { flag, deprecated } = spec(k).cli!;
    const type = spec(k).kind === 'boolean' ? 'boolean' : 'string';
    return [[flag, { type }], ...(deprecated ? [[deprecated, { type }]] : [])];
  }),
);

/**
 * Moves the values of deprecated flags (`--freeze`) to their setting's flag (`--train-layers`), in place, and
 * returns one warning line per deprecated flag given; both names at once is a usage error.
 */
export function takeDeprecatedFlags(v: Values): string[] {
  const warnings: string[] = [];
  for (const k of withFlag) {
    const { flag, deprecated } = spec(k).cli!;
    if (!deprecated || v[deprecated] === undefined) continue;
    if (v[flag] !== undefined) throw new UsageError(`--${deprecated} is the old name of --${flag}: give only --${flag}`);
    v[flag] = v[deprecated];
    delete v[deprecated];
    warnings.push(`--${deprecated} is deprecated: use --${flag} (same values)`);
  }
  return warnings;
}

/** The help of the training flags. */
export const TRAIN_OPTIONS_HELP = `Training:\n${helpLines(TRAINING)}\n${helpLines(EXECUTION)}`;
export const EXECUTION_HELP = helpLines(EXECUTION);

/** The value of one setting's flag, checked against the schema; undefined when the flag is absent. */
function flagValue(v: Values, k: SettingKey): unknown {
  const s = spec(k);
  const raw = v[s.cli!.flag];
  if (raw === undefined) return undefined;
  // --no-shuffle: the flag turns the setting off
  if (s.kind === 'boolean') return raw === true ? !s.default : undefined;
  const value = parseSetting(k, String(raw));
  if (value === undefined) throw new UsageError(`--${s.cli!.flag} must be ${settingRule(k)} (got ${shown(raw)})`);
  return value;
}

/**
 * A flag of another command that takes a setting's values (gft import's --max-length, its --long-text with the
 * evaluation strategies), checked by the schema's rule of `key`.
 */
export function settingFlag<K extends 'maxLength' | 'evalLongText'>(v: Values, flag: string, key: K): TrainConfig[K] | undefined {
  const raw = v[flag];
  if (raw === undefined) return undefined;
  const value = parseSetting(key, String(raw));
  if (value === undefined) throw new UsageError(`--${flag} must be ${settingRule(key)} (got ${shown(raw)})`);
  return value as TrainConfig[K];
}

/** The training settings given on the command line (absent ones take the schema's defaults in the host). */
export function trainConfig(v: Values): Partial<TrainConfig> {
  return trainSettings(Object.fromEntries(TRAINING.map((k) => [k, flagValue(v, k)])));
}

/** --device and --threads (absent: the GFT_DEVICE / GFT_THREADS environment, else auto and one per core). */
export function execution(v: Values): { device?: DeviceChoice; threads?: number } {
  const device = flagValue(v, 'device');
  const threads = flagValue(v, 'threads');
  return { device: typeof device === 'string' ? (device as DeviceChoice) : undefined, threads: typeof threads === 'number' ? threads : undefined };
}

/**
 * `gft train --resume DIR` continues a run with its own model, data and settings: only the resumable settings'
 * flags (more --epochs, another --device or --threads) may be given; any other is refused, never ignored.
 */
export function checkResumeFlags(v: Values): void {
  const allowed = new Set(['resume', 'json', 'help', ...RESUMABLE.map((k) => spec(k).cli!.flag)]);
  const given = Object.keys(v).filter((f) => v[f] !== undefined && !allowed.has(f));
  if (given.length) {
    throw new UsageError(
      `--resume continues the run with its own model, data and settings: ${given.map((f) => `--${f}`).join(', ')} cannot be given; only ${RESUMABLE.map((k) => `--${spec(k).cli!.flag}`).join(', ')} can`,
    );
  }
  if (str(v, 'resume') === '') throw new UsageError('--resume needs the run folder to continue');
}
