// The settings' checks, parsing and names (the rules every layer applies), over the table of
// ./settingsTable.ts (each setting's type, default, limits, choices, help and exposure). Importers take both from
// here. Pure TypeScript, usable by every layer including the webview.

export * from './settingsTable';
import {
  SETTINGS,
  SETTING_KEYS,
  TRAIN_KEYS,
  DEFAULT_TRAIN_CONFIG,
  type TrainLayers,
  type TrainConfig,
  type SettingSpec,
  type SettingKey,
  type TrainKey,
} from './settingsTable';

/** The rule a value breaks, in words: "a whole number from 1 to 1000", "a number > 0 and <= 1". */
export function numberRule(r: { int?: boolean; min?: number; above?: boolean; max?: number }): string {
  const what = r.int ? 'a whole number' : 'a number';
  if (r.min !== undefined && r.max !== undefined && !r.above) return `${what} from ${r.min} to ${r.max}`;
  const parts = [r.min !== undefined ? `${r.above ? '>' : '>='} ${r.min}` : '', r.max !== undefined ? `<= ${r.max}` : ''].filter(Boolean);
  return parts.length ? `${what} ${parts.join(' and ')}` : what;
}

/** The rule of a setting in words (what "must be" is followed by). */
export function settingRule(key: SettingKey): string {
  const s: SettingSpec = SETTINGS[key];
  switch (s.kind) {
    case 'int':
      return numberRule({ int: true, min: s.min, max: s.max });
    case 'number':
      return numberRule({ min: s.min, above: s.above, max: s.max });
    case 'choice':
      return `one of ${s.choices.map((c) => c.value).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'trainLayers':
      return `all, head or top:K with K ${numberRule({ int: true, min: s.top.min, max: s.top.max })}`;
    case 'evalEvery':
      return `${s.words.join(', ')} or ${numberRule({ int: true, min: s.min })}`;
  }
}

/** A number as people write it: 5e-5 rather than 0.00005. */
export function numberText(n: number): string {
  return n !== 0 && Math.abs(n) < 1e-3
    ? n
        .toExponential()
        .replace(/\.?0+e/, 'e')
        .replace('e+', 'e')
    : String(n);
}

/** A value as an error quotes it: numbers as they are, anything else in quotes. */
export function shown(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.trim() !== '' && Number.isFinite(Number(v)) ? v : `'${v}'`;
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const inRange = (n: number, r: { min?: number; above?: boolean; max?: number }) =>
  Number.isFinite(n) && (r.min === undefined || (r.above ? n > r.min : n >= r.min)) && (r.max === undefined || n <= r.max);

/** Whether `value` is a valid value of the setting (undefined only for optional settings). */
export function isValid(key: SettingKey, value: unknown): boolean {
  const s: SettingSpec = SETTINGS[key];
  if (value === undefined) return Boolean(s.optional);
  switch (s.kind) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && inRange(value, s);
    case 'number':
      return typeof value === 'number' && inRange(value, s);
    case 'choice':
      return typeof value === 'string' && s.choices.some((c) => c.value === value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'trainLayers': {
      if (value === 'all' || value === 'head') return true;
      const top = value && typeof value === 'object' ? (value as { top?: unknown }).top : undefined;
      return typeof top === 'number' && Number.isInteger(top) && inRange(top, s.top);
    }
    case 'evalEvery':
      return (typeof value === 'string' && s.words.includes(value)) || (typeof value === 'number' && Number.isInteger(value) && value >= s.min);
  }
}

/** The data and model settings errors may name (DataSource.split and its folds, the model), with the CLI's flags. */
export const DATA_SETTINGS = {
  model: { name: 'the model', cli: 'model' },
  split: { name: 'validation and test fractions', cli: 'split' },
  splitSeed: { name: 'split seed', cli: 'split-seed' },
  fold: { name: 'test fold', cli: 'fold' },
  folds: { name: 'number of folds', cli: 'folds' },
} as const;
export type NamedKey = SettingKey | keyof typeof DATA_SETTINGS;

/** How a place names a setting in an error: the host its name, the CLI its flag, the form its field. */
export type SettingNamer = (key: NamedKey) => string;
export const hostName: SettingNamer = (key) => (key in DATA_SETTINGS ? DATA_SETTINGS[key as keyof typeof DATA_SETTINGS] : SETTINGS[key as SettingKey]).name;
/** The CLI's flag of a setting (`--lr`); a setting with no flag keeps its name. */
export const cliName: SettingNamer = (key) => {
  const flag = key in DATA_SETTINGS ? DATA_SETTINGS[key as keyof typeof DATA_SETTINGS].cli : (SETTINGS[key as SettingKey] as SettingSpec).cli?.flag;
  return flag ? `--${flag}` : hostName(key);
};

/**
 * An error about settings, written once with the settings as placeholders: `message` names them as the host does
 * ("learning rate must be ..."), and a place that knows its own names renders it again (`--lr must be ...`).
 */
export class SettingError extends Error {
  constructor(
    readonly settings: readonly NamedKey[],
    readonly render: (name: SettingNamer) => string,
  ) {
    super(render(hostName));
  }
}

/** "<setting> must be <rule> (got <value>)". */
export function invalidSetting(key: SettingKey, value: unknown): SettingError {
  return new SettingError([key], (name) => `${name(key)} must be ${settingRule(key)} (got ${shown(value)})`);
}

/** Throws the one-line error of the first setting of `config` with an invalid value (absent ones are not checked). */
export function checkSettings(config: Partial<Record<SettingKey, unknown>>): void {
  for (const k of SETTING_KEYS) if (config[k] !== undefined && !isValid(k, config[k])) throw invalidSetting(k, config[k]);
}

/**
 * A setting typed as text (a CLI argument, a form field) as its value; undefined when it is not valid. TrainLayers
 * takes all, head or top:K; evalEvery auto, epoch or N; booleans true/false.
 */
export function parseSetting(key: SettingKey, raw: string): unknown {
  const s: SettingSpec = SETTINGS[key];
  const t = raw.trim();
  let v: unknown;
  switch (s.kind) {
    case 'int':
    case 'number':
      v = t === '' ? NaN : Number(t);
      break;
    case 'boolean':
      v = t === 'true' ? true : t === 'false' ? false : undefined;
      break;
    case 'trainLayers': {
      const m = /^top:(\d+)$/.exec(t);
      v = m ? { top: Number(m[1]) } : t;
      break;
    }
    case 'evalEvery':
      v = (s.words as readonly string[]).includes(t) ? t : t === '' ? NaN : Number(t);
      break;
    default:
      v = t;
  }
  return v !== undefined && isValid(key, v) ? v : undefined;
}

/** The training settings of `values` (checked, absent ones left out): a request's partial config. */
export function trainSettings(values: Partial<Record<SettingKey, unknown>>): Partial<TrainConfig> {
  checkSettings(values);
  const r: Partial<Record<TrainKey, unknown>> = {};
  for (const k of TRAIN_KEYS) if (values[k] !== undefined) r[k] = values[k];
  // each value was checked against its spec, whose value types are TrainConfig's
  return r as Partial<TrainConfig>;
}

/** A settings object (run.json's config, a request) read back as a TrainConfig: defaults filled in, checked. */
export function resolveTrainConfig(partial: Partial<Record<TrainKey, unknown>>): TrainConfig {
  const c: Record<string, unknown> = { ...DEFAULT_TRAIN_CONFIG };
  for (const k of TRAIN_KEYS) {
    const v = partial[k];
    if (v === undefined) continue;
    if (!isValid(k, v)) throw invalidSetting(k, v);
    c[k] = v;
  }
  return toTrainConfig(c);
}

function toTrainConfig(c: Record<string, unknown>): TrainConfig {
  // Every key was checked by isValid against its spec, whose value types are TrainConfig's.
  const r = {} as Record<TrainKey, unknown>;
  for (const k of TRAIN_KEYS) if (c[k] !== undefined) r[k] = c[k];
  return r as TrainConfig;
}

/** The settings of `config` that differ from `base` (deep for trainLayers). */
export function changedSettings(base: Partial<Record<SettingKey, unknown>>, config: Partial<Record<SettingKey, unknown>>): SettingKey[] {
  return SETTING_KEYS.filter((k) => config[k] !== undefined && JSON.stringify(config[k]) !== JSON.stringify(base[k]));
}

/** The settings a resumed run may take again (the others are the run's own and cannot change). */
export const RESUMABLE: readonly SettingKey[] = SETTING_KEYS.filter((k) => (SETTINGS[k] as SettingSpec).resume);

/** The trainLayers setting as text: all, head, top:K. */
export function trainLayersText(f: TrainLayers): string {
  return typeof f === 'object' ? `top:${f.top}` : f;
}

/** Settings that older gft versions recorded under another name (run.json's config, a cv folder's settings). */
const RENAMED_SETTINGS: Readonly<Record<string, TrainKey>> = { freeze: 'trainLayers' };

/**
 * A recorded config (run.json's, a cross-validation's) with today's setting names, keys in their order: the one
 * place old names are read, so a run written by an older gft resumes, compares, reflects and exports as it was.
 */
export function migrateConfig<T>(config: T): T {
  if (!config || typeof config !== 'object' || !Object.keys(config).some((k) => k in RENAMED_SETTINGS)) return config;
  const entries = Object.entries(config as Record<string, unknown>);
  return Object.fromEntries(
    entries.filter(([k]) => !(k in RENAMED_SETTINGS && entries.some(([n]) => n === RENAMED_SETTINGS[k]))).map(([k, v]) => [RENAMED_SETTINGS[k] ?? k, v]),
  ) as T;
}

/** A run.json as read from disk, its config migrated (migrateConfig). */
export function migrateManifest<T>(manifest: T): T {
  const m = manifest as { config?: unknown } | null;
  if (!m || typeof m !== 'object' || !m.config) return manifest;
  const config = migrateConfig(m.config);
  return config === m.config ? manifest : ({ ...m, config } as T);
}
