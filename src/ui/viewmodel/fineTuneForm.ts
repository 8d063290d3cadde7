// The "Fine-tune" form's view model: every setting with its default and one plain line saying what it does and
// when to change it, parsing and checking what was typed (one message per field), the host request it becomes,
// and the pre-flight estimate formatted for people. Pure: no vscode, testable in plain Node.
import { LONG_TEXT_LABELS, SETTING_LABELS, type DeviceChoice, type EstimateView, type FormField, type FormOption, type FormValues, type ProbeParams, type ProbeResult, type TrainConfig, type TrainParams } from '../../protocol';
import { deviceView } from './format';
import { roughDuration } from '../../shared/format';

/** The host's defaults (src/host/train/config.ts); a unit test checks that the two agree. */
export const FORM_TRAIN_DEFAULTS = {
  epochs: 3, batchSize: 16, lr: 5e-5, maxLength: 128, longText: 'head', docPieces: 8, freeze: 'all', topLayers: 1,
  warmupSteps: 0, weightDecay: 0.01, patience: 0, seed: 42,
} as const;

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
    { value: 'starter', label: 'Starter model (Universal Sentence Encoder Lite, offline, 7M parameters)', description: 'Small and fast: good for learning how fine-tuning behaves on this machine.' },
    ...cachedModels.map((id) => ({ value: id, label: `${id} (from the model cache)` })),
    { value: LOCAL_MODEL, label: 'A local folder or a hub id…', description: 'A Hugging Face model folder (config.json, weights, tokenizer), or an id already in the model cache.' },
  ];
}

/** Model-cache folder names are <org>--<name>: back to hub ids. */
export function hubIdsFromCache(entries: readonly string[]): string[] {
  return entries.filter((e) => /^[^.][^/]*--[^/]+$/.test(e)).map((e) => e.replace('--', '/')).sort();
}

const LONG_TEXT: FormOption[] = [
  { value: 'head', label: LONG_TEXT_LABELS.head, description: 'Reads the first tokens of each text and drops the rest.' },
  { value: 'tail', label: LONG_TEXT_LABELS.tail, description: 'Reads the last tokens: reviews often end with the verdict.' },
  { value: 'head+tail', label: LONG_TEXT_LABELS['head+tail'], description: 'Half the tokens from the start, half from the end.' },
  { value: 'chunks', label: LONG_TEXT_LABELS.chunks, description: 'Every window of the text is a training row; predictions average the windows. Slower.' },
  { value: 'sentence-mean', label: LONG_TEXT_LABELS['sentence-mean'], description: 'The mean of the sentence embeddings decides; for the starter model, which reads 128 tokens at most.' },
];

const FREEZE: FormOption[] = [
  { value: 'all', label: 'Everything (full fine-tuning)', description: 'Every weight can change: the most capacity, the slowest, the easiest to overfit.' },
  { value: 'top', label: 'The top layers and the classifier', description: 'Lower layers stay as pre-trained; faster, and safer with little data.' },
  { value: 'head', label: 'Only the classifier (head)', description: 'The pre-trained model stays frozen: fast, like the frozen-embedding baseline.' },
];

const DEVICES: FormOption[] = [
  { value: 'auto', label: 'Automatic', description: 'A GPU when one works (CUDA, then WebGPU), otherwise the CPU.' },
  { value: 'cpu', label: 'CPU' },
  { value: 'cuda', label: 'NVIDIA GPU (CUDA)', description: 'Falls back to the CPU, with the reason, when CUDA cannot be used.' },
  { value: 'webgpu', label: 'WebGPU', description: 'Falls back to the CPU, with the reason, when no adapter works.' },
];

/**
 * The settings of `gft demo`'s fine-tuning (src/host/report/demo.ts; a unit test checks they agree): the starter
 * model reading reviews sentence by sentence, its top layer and head trained.
 */
export const STARTER_DEMO_VALUES: FormValues = {
  model: 'starter', longText: 'sentence-mean', maxLength: '64', docPieces: '8', freeze: 'top', topLayers: '1', lr: '0.0004',
  batchSize: '16', epochs: '3', warmupSteps: '10', weightDecay: '0.01', seed: '42', patience: '0',
};

function presetOptions(): FormOption[] {
  const d = FORM_TRAIN_DEFAULTS;
  const defaults: FormValues = {
    longText: d.longText, maxLength: String(d.maxLength), docPieces: String(d.docPieces), freeze: d.freeze, topLayers: String(d.topLayers), lr: String(d.lr),
    batchSize: String(d.batchSize), epochs: String(d.epochs), warmupSteps: String(d.warmupSteps), weightDecay: String(d.weightDecay), seed: String(d.seed), patience: String(d.patience),
  };
  return [
    { value: 'defaults', label: 'General defaults', description: 'The usual fine-tuning recipe: the first 128 tokens, every layer trained, learning rate 5e-5.', applies: defaults },
    { value: 'starter-demo', label: 'Starter model on long reviews (the settings of gft demo)', description: 'Sentence by sentence, top layer and head at 4e-4: 86.0% test accuracy on the movie reviews in the demo (about 9 min on 2 CPU cores).', applies: STARTER_DEMO_VALUES },
  ];
}

export function formFields(ctx: FormContext): FormField[] {
  const d = FORM_TRAIN_DEFAULTS;
  const models = modelOptions(ctx.cachedModels);
  const defaultModel = models.some((m) => m.value === ctx.defaultModel) ? ctx.defaultModel : ctx.defaultModel ? LOCAL_MODEL : 'starter';
  return [
    { key: 'preset', group: 'What to train', label: 'Start from', kind: 'select', options: presetOptions(), default: 'defaults',
      help: 'A set of settings to begin with; every setting below can still be changed. Choosing one replaces the training settings.' },
    { key: 'model', group: 'What to train', label: 'Model', kind: 'select', options: models, default: defaultModel,
      help: 'The pre-trained model to fine-tune. Start with the starter model; a larger one is usually more accurate but much slower.' },
    { key: 'modelPath', group: 'What to train', label: 'Model folder or hub id', kind: 'text', default: defaultModel === LOCAL_MODEL ? ctx.defaultModel : '', browse: true,
      showWhen: { key: 'model', values: [LOCAL_MODEL] }, help: 'A folder with a Hugging Face model, or a hub id such as distilbert-base-uncased that is already in the model cache.' },
    { key: 'dataset', group: 'What to train', label: 'Dataset', kind: 'select', options: ctx.datasets, default: ctx.datasets[0]?.value ?? '',
      help: 'Labelled texts from the Datasets view, with their train/validation/test split. Add Dataset adds more.' },
    { key: 'longText', group: 'Long texts', label: SETTING_LABELS.longText.form, kind: 'select', options: LONG_TEXT, default: d.longText,
      help: 'Models read a limited number of tokens: choose which part of a long text they see. Change it when most texts are longer than the max length.' },
    { key: 'maxLength', group: 'Long texts', label: SETTING_LABELS.maxLength.form, kind: 'number', min: 8, max: 4096, step: '1', default: String(d.maxLength),
      help: 'Tokens per row. Longer reads more of each text but costs time and memory roughly in proportion (the starter model stops at 128).' },
    { key: 'docPieces', group: 'Long texts', label: 'Sentences per text per step', kind: 'number', min: 1, max: 64, step: '1', default: String(d.docPieces),
      showWhen: { key: 'longText', values: ['sentence-mean'] }, help: 'How many sentences of each text one training step reads (evaluation reads all). More is steadier and slower.' },
    { key: 'epochs', group: 'Training', label: SETTING_LABELS.epochs.form, kind: 'number', min: 1, max: 100, step: '1', default: String(d.epochs),
      help: 'Passes over the training data. 2-4 is usual for fine-tuning; raise it if validation accuracy is still climbing at the end.' },
    { key: 'batchSize', group: 'Training', label: 'Batch size', kind: 'number', min: 1, max: 512, step: '1', default: String(d.batchSize),
      help: 'Texts per training step. Larger batches give smoother updates but need more memory; lower it if memory runs out.' },
    { key: 'lr', group: 'Training', label: SETTING_LABELS.lr.form, kind: 'text', default: String(d.lr),
      help: 'How big each update is. 2e-5 to 5e-5 suits full fine-tuning; training only the top layers or the head takes larger, e.g. 4e-4.' },
    { key: 'freeze', group: 'Training', label: 'What to train', kind: 'select', options: FREEZE, default: d.freeze,
      help: 'Which weights may change. Train fewer layers when data is small or time is short.' },
    { key: 'topLayers', group: 'Training', label: 'Top layers to train', kind: 'number', min: 1, max: 48, step: '1', default: String(d.topLayers),
      showWhen: { key: 'freeze', values: ['top'] }, help: 'How many of the highest transformer layers are trained along with the classifier.' },
    { key: 'warmupSteps', group: 'Training', label: 'Warm-up steps', kind: 'number', min: 0, max: 100000, step: '1', default: String(d.warmupSteps),
      help: 'Steps over which the learning rate rises from 0 at the start; a few (e.g. 10% of one epoch) calm a shaky first epoch.' },
    { key: 'weightDecay', group: 'Training', label: 'Weight decay', kind: 'text', min: 0, max: 1, default: String(d.weightDecay),
      help: 'A gentle pull of the weights towards zero that limits overfitting; 0.01 is the usual value.' },
    { key: 'patience', group: 'Training', label: 'Early-stopping patience', kind: 'number', min: 0, max: 100, step: '1', default: String(d.patience),
      help: 'Stop after this many evaluations without a better validation accuracy; 0 trains all epochs.' },
    { key: 'seed', group: 'Training', label: 'Seed', kind: 'number', min: 0, max: 2 ** 31 - 1, step: '1', default: String(d.seed),
      help: 'Fixes the random start of the classifier, the data order and dropout: the same seed gives the same run. Change it to see how much results vary.' },
    { key: 'device', group: 'Where it runs', label: 'Device', kind: 'select', options: DEVICES, default: ctx.device,
      help: 'Where the training steps run (default from the guidedFinetune.device setting). The estimate says which device was found and why others were not.' },
    { key: 'threads', group: 'Where it runs', label: 'CPU threads', kind: 'number', min: 0, max: 1024, step: '1', default: String(ctx.threads),
      help: 'Threads used on the CPU; 0 means one per core. Lower it to keep the editor responsive while training.' },
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
    const longText = values.longText ?? 'head';
    const more = longText === 'sentence-mean' || longText === 'chunks' ? '' : ' To read more of each text, choose "Sentence by sentence" or "All of it, in windows" under Long texts.';
    out.maxLength = `The starter model reads at most ${cap} tokens: ${maxLength} becomes ${cap}.${more}`;
  }
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

/** Parses the form: the request on success, otherwise one message per field in error. */
export function parseForm(fields: readonly FormField[], values: FormValues): { ok: true; value: ParsedForm } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const raw = (k: string) => (values[k] ?? byKey.get(k)?.default ?? '').trim();
  // One rule per field, one message for every way of breaking it ('abc', 0 and 2.5 say the same thing).
  const number = (k: string, int: boolean, rule?: { above0: true; example: string }): number => {
    const f = byKey.get(k)!;
    const s = raw(k);
    const n = Number(s);
    const what = int ? 'a whole number' : 'a number';
    const message = rule
      ? `${f.label}: enter ${what} above 0 (e.g. ${rule.example}).`
      : `${f.label}: enter ${what} from ${f.min ?? 0}${f.max !== undefined ? ` to ${f.max}` : ' or more'}.`;
    const ok = s !== '' && Number.isFinite(n) && (!int || Number.isInteger(n))
      && (rule ? n > 0 : (f.min === undefined || n >= f.min) && (f.max === undefined || n <= f.max));
    if (!ok) errors[k] = message;
    return n;
  };
  const choice = (k: string): string => {
    const f = byKey.get(k)!;
    const s = raw(k);
    if (!f.options?.some((o) => o.value === s)) errors[k] = f.options?.length ? `${f.label}: choose one of the list.` : `${f.label}: nothing to choose from yet.`;
    return s;
  };
  let model = choice('model');
  if (model === LOCAL_MODEL) {
    model = raw('modelPath');
    if (!model) errors.modelPath = 'Model folder or hub id: enter a folder path or a hub id (or pick the starter model).';
  }
  const data = choice('dataset');
  if (errors.dataset && !byKey.get('dataset')?.options?.length) errors.dataset = 'Dataset: add one first (Guided Fine-Tune: Add Dataset).';
  const longText = choice('longText') as TrainConfig['longText'];
  const lr = number('lr', false, { above0: true, example: '5e-5' });
  if (!errors.lr && lr > 0.1) errors.lr = 'Learning rate: above 0.1 is far too large for fine-tuning; try 5e-5 (or 4e-4 for the head only).';
  const weightDecay = number('weightDecay', false);
  const freezeKind = choice('freeze');
  const config: Partial<TrainConfig> = {
    longText,
    maxLength: number('maxLength', true),
    epochs: number('epochs', true),
    batchSize: number('batchSize', true),
    lr,
    weightDecay,
    warmupSteps: number('warmupSteps', true),
    patience: number('patience', true),
    seed: number('seed', true),
    freeze: freezeKind === 'top' ? { top: number('topLayers', true) } : (freezeKind as 'all' | 'head'),
  };
  if (longText === 'sentence-mean') config.docPieces = number('docPieces', true);
  const device = choice('device') as DeviceChoice;
  const threads = number('threads', true);
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, value: { model, data, config, device, threads } };
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
    perEpoch, total, memory,
    rows: [
      { label: 'Time per epoch', value: `${perEpoch} (${r.stepsPerEpoch} steps × ${step}, measured over ${r.measuredSteps} real steps)` },
      { label: 'Total', value: `about ${total}: ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} + ${r.evalPasses} evaluation pass${r.evalPasses === 1 ? '' : 'es'} (${roughDuration(r.evalSeconds)}), plus ${roughDuration(r.setupSeconds)} to load and prepare` },
      { label: 'Memory', value: `peak ${memory} while measuring` },
      { label: 'Trained weights', value: `${count(r.trainableParams)} of ${count(r.totalParams)} parameters (${((100 * r.trainableParams) / Math.max(1, r.totalParams)).toFixed(0)}%)` },
      { label: 'Data', value: `${r.trainTexts} training texts → ${r.trainRows} rows of at most ${r.maxLength} tokens` },
      { label: 'Device', value: device.short, ...(device.details ? { details: device.details } : {}) },
    ],
    // the data's warnings first: they may change what is worth starting
    notes: [...(r.warnings ?? []).map((w) => `Data warning: ${w}`), ...r.notes],
    secondsPerEpoch: r.secondsPerEpoch, totalSeconds: r.totalSeconds, peakRssMiB: r.peakRssMiB,
  };
}
