// The "Fine-tune" form's view model: the training settings' fields, defaults, limits and one line of help come
// from the settings schema (src/shared/settings.ts), as the CLI's flags and the host's checks do; this file adds
// the model and dataset choices, the presets, parsing what was typed (one message per field, in the schema's
// wording with the field's label), the host request it becomes, and the pre-flight estimate formatted for
// people. Pure: no vscode, testable in plain Node.
import type { DeviceChoice, EstimateView, FormField, FormOption, FormValues, ProbeParams, ProbeResult, TrainConfig, TrainParams } from '../../protocol';
import {
  DEFAULT_TRAIN_CONFIG,
  trainLayersText,
  STARTER_DEMO_CONFIG,
  numberRule,
  numberText,
  parseSetting,
  SETTING_KEYS,
  SETTINGS,
  settingRule,
  trainSettings,
  type SettingKey,
  type SettingSpec,
} from '../../shared/settings';
import { deviceView } from './format';
import { roughDuration } from '../../shared/format';

export interface FormContext {
  /** Datasets of the Datasets view: value = what the host takes as `data`. */
  datasets: FormOption[];
  /** Hub ids found in the model cache (org/name). */
  cachedModels: string[];
  defaultModel: string;
  device: DeviceChoice;
  threads: number;
}

export const LOCAL_MODEL = 'folder';

/** Model choices: the offline starter model, the cached hub models, or a folder / hub id typed in. */
export function modelOptions(cachedModels: readonly string[]): FormOption[] {
  return [
    {
      value: 'starter',
      label: 'Starter model (Universal Sentence Encoder Lite, offline, 7M parameters)',
      description: 'Small and fast: good for learning how fine-tuning behaves on this machine.',
    },
    ...cachedModels.map((id) => ({ value: id, label: `${id} (from the model cache)` })),
    {
      value: LOCAL_MODEL,
      label: 'A local folder or a hub id…',
      description: 'A Hugging Face model folder (config.json, weights, tokenizer), or an id already in the model cache.',
    },
  ];
}

/** Model-cache folder names are <org>--<name>: back to hub ids. */
export function hubIdsFromCache(entries: readonly string[]): string[] {
  return entries
    .filter((e) => /^[^.][^/]*--[^/]+$/.test(e))
    .map((e) => e.replace('--', '/'))
    .sort();
}

const spec = (k: SettingKey): SettingSpec => SETTINGS[k];
/** The form's training settings, in the schema's order; trainLayers brings its number of top layers as a second field. */
const FORM_KEYS = SETTING_KEYS.filter((k) => spec(k).form);
const TOP_LAYERS = 'topLayers';
const TRAINING_KEYS = FORM_KEYS.filter((k) => k !== 'device' && k !== 'threads');

/** A setting's value as the form's text field holds it (an exponent for small numbers, not 0.00005). */
function fieldText(v: unknown): string {
  return typeof v === 'number' ? numberText(v) : typeof v === 'object' && v !== null ? trainLayersText(v as TrainConfig['trainLayers']) : String(v ?? '');
}

/** The fields of one schema setting (trainLayers: the choice and its number of top layers). */
function settingFields(k: SettingKey, defaults: Partial<Record<SettingKey, string>>): FormField[] {
  const s = spec(k);
  const form = s.form!;
  const base = {
    key: k,
    group: form.group,
    label: form.label,
    help: s.help,
    ...(form.showWhen ? { showWhen: { key: form.showWhen.key, values: [...form.showWhen.values] } } : {}),
  };
  const def = defaults[k] ?? (s.default === undefined ? '' : fieldText(s.default));
  switch (s.kind) {
    case 'int':
      return [{ ...base, kind: 'number', min: s.min, max: s.max, step: '1', default: def }];
    case 'number':
      return [{ ...base, kind: 'text', min: s.min, max: s.max, default: def }];
    case 'choice':
      return [{ ...base, kind: 'select', options: s.choices.map((c) => ({ ...c })), default: def }];
    case 'trainLayers':
      return [
        { ...base, kind: 'select', options: s.choices.map((c) => ({ ...c })), default: def },
        {
          key: TOP_LAYERS,
          group: form.group,
          label: s.top.label,
          kind: 'number',
          min: s.top.min,
          max: s.top.max,
          step: '1',
          default: String(s.top.default),
          showWhen: { key: k, values: ['top'] },
          help: s.top.help,
        },
      ];
    default:
      throw new Error(`the form has no field for a ${s.kind} setting (${k})`);
  }
}

/** The form's values of the schema's defaults (training settings only). */
function defaultTrainingValues(): FormValues {
  return Object.fromEntries(TRAINING_KEYS.flatMap((k) => settingFields(k, {}).map((f) => [f.key, f.default])));
}

/** The form's values of a training config (every training field; trainLayers top:K fills the top-layers field). */
function trainingValues(c: TrainConfig): FormValues {
  return Object.fromEntries(
    TRAINING_KEYS.flatMap((k): [string, string][] => {
      const v = c[k as keyof TrainConfig];
      if (k === 'trainLayers' && typeof v === 'object')
        return [
          [k, 'top'],
          [TOP_LAYERS, String(v.top)],
        ];
      return v === undefined ? [] : [[k, fieldText(v)]];
    }),
  );
}

/**
 * The settings of `gft demo`'s fine-tuning (the schema's STARTER_DEMO_CONFIG over its defaults): the starter model
 * reading reviews sentence by sentence, its top layer and head trained.
 */
export const STARTER_DEMO_VALUES: FormValues = { model: 'starter', ...trainingValues({ ...DEFAULT_TRAIN_CONFIG, ...STARTER_DEMO_CONFIG }) };

function presetOptions(): FormOption[] {
  const d = DEFAULT_TRAIN_CONFIG;
  const recipe = `the first ${d.maxLength} tokens, ${d.trainLayers === 'all' ? 'every layer trained' : `${fieldText(d.trainLayers)} trained`}, learning rate ${numberText(d.lr)}`;
  return [
    { value: 'defaults', label: 'General defaults', description: `The usual fine-tuning recipe: ${recipe}.`, applies: defaultTrainingValues() },
    {
      value: 'starter-demo',
      label: 'Starter model on long reviews (the settings of gft demo)',
      description:
        'Sentence by sentence, top layer and head at 4e-4 for 4 epochs, keeping the checkpoint of lowest validation loss: 88.35% accuracy over the 10 folds of the movie reviews (about 9 min a fold on 2 CPU cores).',
      applies: STARTER_DEMO_VALUES,
    },
  ];
}

export function formFields(ctx: FormContext): FormField[] {
  const models = modelOptions(ctx.cachedModels);
  const defaultModel = models.some((m) => m.value === ctx.defaultModel) ? ctx.defaultModel : ctx.defaultModel ? LOCAL_MODEL : 'starter';
  return [
    {
      key: 'preset',
      group: 'What to train',
      label: 'Start from',
      kind: 'select',
      options: presetOptions(),
      default: 'defaults',
      help: 'A set of settings to begin with; every setting below can still be changed. Choosing one replaces the training settings.',
    },
    {
      key: 'model',
      group: 'What to train',
      label: 'Model',
      kind: 'select',
      options: models,
      default: defaultModel,
      help: 'The pre-trained model to fine-tune. Start with the starter model; a larger one is usually more accurate but much slower.',
    },
    {
      key: 'modelPath',
      group: 'What to train',
      label: 'Model folder or hub id',
      kind: 'text',
      default: defaultModel === LOCAL_MODEL ? ctx.defaultModel : '',
      browse: true,
      showWhen: { key: 'model', values: [LOCAL_MODEL] },
      help: 'A folder with a Hugging Face model, or a hub id such as distilbert-base-uncased that is already in the model cache.',
    },
    {
      key: 'dataset',
      group: 'What to train',
      label: 'Dataset',
      kind: 'select',
      options: ctx.datasets,
      default: ctx.datasets[0]?.value ?? '',
      help: 'Labelled texts from the Datasets view, with their train/validation/test split. Add Dataset adds more.',
    },
    // the training settings and where they run, from the settings schema (device and threads default to the
    // guidedFinetune.device / threads settings)
    ...FORM_KEYS.flatMap((k) => settingFields(k, { device: ctx.device, threads: String(ctx.threads) })),
  ];
}

/** The most tokens a model reads, where the form knows it (the starter model: 128). */
export const MODEL_MAX_LENGTH: Record<string, number> = { starter: 128 };

/**
 * Warnings at the fields: settings that are accepted but will not do what they say. A max length above the
 * model's cap is cut to the cap (the estimate and the run use the cap).
 */
export function formWarnings(values: FormValues): Record<string, string> {
  const out: Record<string, string> = {};
  const cap = MODEL_MAX_LENGTH[values.model ?? ''];
  const maxLength = Number(values.maxLength);
  if (cap !== undefined && Number.isFinite(maxLength) && maxLength > cap) {
    const longText = values.longText ?? DEFAULT_TRAIN_CONFIG.longText;
    const more =
      longText === 'sentence-mean' || longText === 'chunks'
        ? ''
        : ' To read more of each text, choose "Sentence by sentence" or "All of it, in windows" under Long texts.';
    out.maxLength = `The starter model reads at most ${cap} tokens: ${maxLength} becomes ${cap}.${more}`;
  }
  const lr = parseSetting('lr', values.lr ?? '');
  if (typeof lr === 'number' && lr > 0.1)
    out.lr = `${numberText(lr)} is far too large for fine-tuning and will likely diverge; try ${numberText(DEFAULT_TRAIN_CONFIG.lr)} (or 4e-4 for the head only).`;
  return out;
}

export function defaultValues(fields: readonly FormField[]): FormValues {
  return Object.fromEntries(fields.map((f) => [f.key, f.default]));
}

/** Whether a field applies under the current values (fields with showWhen are hidden otherwise). */
export function isShown(f: FormField, values: FormValues): boolean {
  return !f.showWhen || f.showWhen.values.includes(values[f.showWhen.key] ?? '');
}

export interface ParsedForm {
  model: string;
  data: string;
  config: Partial<TrainConfig>;
  device: DeviceChoice;
  threads: number;
}

/**
 * A field's message in the schema's wording, named by its label: "Learning rate must be a number > 0 and <= 1."
 * One rule, one message: 'abc', 0 and 2 say the same thing (the field shows what was typed).
 */
function fieldMessage(f: FormField, rule: string): string {
  return f.kind === 'select' ? `${f.label}: choose one of the list.` : `${f.label} must be ${rule}.`;
}

/** Parses the form: the request on success, otherwise one message per field in error. */
export function parseForm(fields: readonly FormField[], values: FormValues): { ok: true; value: ParsedForm } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const raw = (k: string) => (values[k] ?? byKey.get(k)?.default ?? '').trim();
  const choice = (k: string): string => {
    const f = byKey.get(k)!;
    const s = raw(k);
    if (!f.options?.some((o) => o.value === s))
      errors[k] = f.options?.length ? `${f.label}: choose one of the list.` : `${f.label}: nothing to choose from yet.`;
    return s;
  };
  let model = choice('model');
  if (model === LOCAL_MODEL) {
    model = raw('modelPath');
    if (!model) errors.modelPath = 'Model folder or hub id: enter a folder path or a hub id (or pick the starter model).';
  }
  const data = choice('dataset');
  if (errors.dataset && !byKey.get('dataset')?.options?.length) errors.dataset = 'Dataset: add one first (Guided Fine-Tune: Add Dataset).';
  // The schema's settings: each shown field parsed and checked by the schema's rule.
  const settings: Partial<Record<SettingKey, unknown>> = {};
  for (const k of FORM_KEYS) {
    const f = byKey.get(k);
    if (!f || !isShown(f, values)) continue;
    const s = spec(k);
    if (s.kind === 'trainLayers' && raw(k) === 'top') {
      const top = parseSetting(k, `top:${raw(TOP_LAYERS)}`);
      if (top === undefined) errors[TOP_LAYERS] = fieldMessage(byKey.get(TOP_LAYERS)!, numberRule({ int: true, min: s.top.min, max: s.top.max }));
      settings[k] = top;
      continue;
    }
    const v = parseSetting(k, raw(k));
    if (v === undefined) errors[k] = fieldMessage(f, settingRule(k));
    settings[k] = v;
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const config = trainSettings(settings);
  return { ok: true, value: { model, data, config, device: settings.device as DeviceChoice, threads: settings.threads as number } };
}

/** The host requests: the same model, data, settings and device for the estimate and for the run. */
export function probeParams(p: ParsedForm, split?: ProbeParams['split']): ProbeParams {
  return { model: p.model, data: p.data, ...(split ? { split } : {}), config: p.config, device: p.device, threads: p.threads };
}

export function trainParams(p: ParsedForm, runsRoot: string, split?: TrainParams['split']): TrainParams {
  return { model: p.model, data: p.data, ...(split ? { split } : {}), runsRoot, config: p.config, device: p.device, threads: p.threads };
}

export { roughDuration as formatDuration };

export function formatMemory(mib: number): string {
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GB` : `${Math.round(mib)} MB`;
}

const count = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n));

export function estimateView(r: ProbeResult): EstimateView {
  const perEpoch = roughDuration(r.secondsPerEpoch);
  const total = roughDuration(r.totalSeconds);
  const memory = formatMemory(r.peakRssMiB);
  // "CPU, 2 threads", with why not the GPU one click away rather than on the row.
  const device = deviceView({ device: r.device, config: {} });
  const step = r.secondsPerStep < 10 ? `${r.secondsPerStep.toFixed(2)} s` : roughDuration(r.secondsPerStep);
  return {
    perEpoch,
    total,
    memory,
    rows: [
      { label: 'Time per epoch', value: `${perEpoch} (${r.stepsPerEpoch} steps × ${step}, measured over ${r.measuredSteps} real steps)` },
      {
        label: 'Total',
        value: `about ${total}: ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} + ${r.evalPasses} evaluation pass${r.evalPasses === 1 ? '' : 'es'} (${roughDuration(r.evalSeconds)}), plus ${roughDuration(r.setupSeconds)} to load and prepare`,
      },
      { label: 'Memory', value: `peak ${memory} while measuring` },
      {
        label: 'Trained weights',
        value: `${count(r.trainableParams)} of ${count(r.totalParams)} parameters (${((100 * r.trainableParams) / Math.max(1, r.totalParams)).toFixed(0)}%)`,
      },
      { label: 'Data', value: `${r.trainTexts} training texts → ${r.trainRows} rows of at most ${r.maxLength} tokens` },
      { label: 'Device', value: device.short, ...(device.details ? { details: device.details } : {}) },
    ],
    // the data's warnings first: they may change what is worth starting
    notes: [...(r.warnings ?? []).map((w) => `Data warning: ${w}`), ...r.notes],
    secondsPerEpoch: r.secondsPerEpoch,
    totalSeconds: r.totalSeconds,
    peakRssMiB: r.peakRssMiB,
  };
}
