// The fine-tuning settings, once: each with its key, type, default, limits, choices, one line of help and the
// places that expose it (the CLI flag, the form's field, the host's request and run.json). Everything else is
// derived from this table: the CLI's parseArgs options, help and checks (src/host/cli), the form's fields and
// checks (src/ui/viewmodel/fineTuneForm.ts), the host's defaults and validation (src/host/train/config.ts) and
// run.json's typed config. Pure TypeScript: no imports, usable by every layer including the webview.
//
// Limits (one set everywhere): learning rate > 0 and <= 1; max length 3 (one token between [CLS] and [SEP]) to
// 4096 tokens (a model reading fewer cuts it to its own maximum); epochs 1-1000; batch size 1-4096.

export type LongText = 'head' | 'tail' | 'head+tail' | 'chunks' | 'sentence-mean';
export type EvalLongText = Exclude<LongText, 'sentence-mean'>;
export type TrainLayers = 'all' | 'head' | { top: number };
export type EvalEvery = 'epoch' | 'auto' | number;
/** 'auto' tries CUDA, then WebGPU (only a real GPU adapter, never a software Vulkan driver), then the CPU. */
export type DeviceChoice = 'auto' | 'cpu' | 'cuda' | 'webgpu';

/** A fine-tuning run's settings, as the host resolves them and run.json records them. */
export interface TrainConfig {
  epochs: number;
  batchSize: number;
  gradAccumSteps: number;
  lr: number;
  warmupSteps: number;
  schedule: 'linear' | 'constant';
  weightDecay: number;
  /** 0 = no clipping */
  maxGradNorm: number;
  maxLength: number;
  /** 'sentence-mean': the mean of the text's sentence embeddings feeds the head (models with pooled embeddings). */
  longText: LongText;
  /** 'sentence-mean' training: sentences sampled per text per step (default in SETTINGS); evaluation reads all. */
  docPieces?: number;
  /** How evaluation and prediction read long texts; default: as in training. 'chunks' averages the logits of
   *  all windows of a text, so a model trained on one window per text still reads whole texts. */
  evalLongText?: EvalLongText;
  trainLayers: TrainLayers;
  /** Layer-wise learning-rate decay: the head trains at lr, encoder layer i of L (1 = lowest) at lr * X^(L+1-i), the
   *  embeddings at lr * X^(L+1); 1 = off. */
  layerLrDecay: number;
  /** Validation during training: once per epoch, every N optimizer steps, or 'auto' (per epoch when there are
   *  enough epochs to draw a curve, otherwise several times per epoch; src/host/train/config.ts). */
  evalEvery: EvalEvery;
  patience: number;
  bestMetric: 'accuracy' | 'macroF1' | 'loss';
  keepCheckpoints: number;
  shuffle: boolean;
  seed: number;
}

export interface Choice {
  value: string;
  /** The form's words for it. */
  label: string;
  /** One line shown under the form's list when it is chosen. */
  description?: string;
}

/** Where a setting is exposed. Every setting is accepted by the host's requests (TrainParams / ProbeParams). */
interface Exposure {
  /** Its gft flag (train, probe, cv), without the dashes; `help` of the metavar; `defaultText` when not its value;
   *  `deprecated`: an older flag still accepted, with one warning line naming the new one. */
  cli?: { flag: string; metavar?: string; defaultText?: string; deprecated?: string };
  /** Its field in the fine-tune form. */
  form?: { label: string; group: 'Long texts' | 'Training' | 'Where it runs'; showWhen?: { key: string; values: readonly string[] } };
  /** Recorded in run.json's config (execution settings are recorded as run.json's execution record instead). */
  saved: boolean;
  /** May be given again when a run is resumed (`gft train --resume`): the run continues with the new value. */
  resume?: boolean;
}

interface Common extends Exposure {
  /** How an error names it: "learning rate must be ...". */
  name: string;
  /** One line: what it does and when to change it. */
  help: string;
  /** No default value: absent means "see help" (e.g. evaluation reads long texts as training does). */
  optional?: boolean;
}

export interface IntSpec extends Common {
  kind: 'int';
  min: number;
  max?: number;
  default?: number;
}
export interface NumberSpec extends Common {
  kind: 'number';
  min: number;
  /** min itself not allowed */ above?: boolean;
  max?: number;
  default: number;
}
export interface ChoiceSpec extends Common {
  kind: 'choice';
  choices: readonly Choice[];
  default?: string;
}
export interface BooleanSpec extends Common {
  kind: 'boolean';
  default: boolean;
}
/** 'all' | 'head' | 'top' with a number of top layers (the CLI writes top:K). */
export interface TrainLayersSpec extends Common {
  kind: 'trainLayers';
  choices: readonly Choice[];
  default: 'all' | 'head';
  top: { label: string; help: string; min: number; max: number; default: number };
}
/** 'auto' | 'epoch' | a whole number of steps >= min. */
export interface EvalEverySpec extends Common {
  kind: 'evalEvery';
  words: readonly string[];
  min: number;
  default: string;
}
export type SettingSpec = IntSpec | NumberSpec | ChoiceSpec | BooleanSpec | TrainLayersSpec | EvalEverySpec;

const longTextChoices = [
  { value: 'head', label: 'Beginning (head)', description: 'Reads the first tokens of each text and drops the rest.' },
  { value: 'tail', label: 'End (tail)', description: 'Reads the last tokens: reviews often end with the verdict.' },
  { value: 'head+tail', label: 'Beginning and end', description: 'Half the tokens from the start, half from the end.' },
  {
    value: 'chunks',
    label: 'All of it, in windows (chunks)',
    description: 'Every window of the text is a training row; predictions average the windows. Slower.',
  },
  {
    value: 'sentence-mean',
    label: 'Sentence by sentence (sentence-mean)',
    description: 'The mean of the sentence embeddings decides; for the starter model, which reads 128 tokens at most.',
  },
] as const;

/** Every training setting, in the order the form and the help show them. */
export const SETTINGS = {
  longText: {
    kind: 'choice',
    name: 'long-text strategy',
    choices: longTextChoices,
    default: 'head',
    saved: true,
    help: 'Models read a limited number of tokens: choose which part of a long text they see. Change it when most texts are longer than the max length.',
    cli: { flag: 'long-text' },
    form: { label: 'Long texts', group: 'Long texts' },
  },
  maxLength: {
    kind: 'int',
    name: 'max length',
    min: 3,
    max: 4096,
    default: 128,
    saved: true,
    help: 'Tokens per row. Longer reads more of each text but costs time and memory roughly in proportion (the starter model stops at 128).',
    cli: { flag: 'max-length' },
    form: { label: 'Max length (tokens)', group: 'Long texts' },
  },
  docPieces: {
    kind: 'int',
    name: 'sentences per text per step',
    min: 1,
    max: 64,
    default: 8,
    optional: true,
    saved: true,
    help: 'How many sentences of each text one training step reads with sentence-mean (evaluation reads all). More is steadier and slower.',
    form: { label: 'Sentences per text per step', group: 'Long texts', showWhen: { key: 'longText', values: ['sentence-mean'] } },
  },
  evalLongText: {
    kind: 'choice',
    name: 'evaluation long-text strategy',
    choices: longTextChoices.filter((c) => c.value !== 'sentence-mean'),
    optional: true,
    saved: true,
    help: 'How evaluation and prediction read long texts; chunks averages every window of a text.',
    cli: { flag: 'eval-long-text', defaultText: 'as --long-text' },
  },
  epochs: {
    kind: 'int',
    name: 'epochs',
    min: 1,
    max: 1000,
    default: 3,
    saved: true,
    resume: true,
    help: 'Passes over the training data. 2-4 is usual for fine-tuning; raise it if validation accuracy is still climbing at the end.',
    cli: { flag: 'epochs' },
    form: { label: 'Epochs', group: 'Training' },
  },
  batchSize: {
    kind: 'int',
    name: 'batch size',
    min: 1,
    max: 4096,
    default: 16,
    saved: true,
    help: 'Texts per training step. Larger batches give smoother updates but need more memory; lower it if memory runs out.',
    cli: { flag: 'batch-size' },
    form: { label: 'Batch size', group: 'Training' },
  },
  gradAccumSteps: {
    kind: 'int',
    name: 'gradient accumulation steps',
    min: 1,
    max: 1024,
    default: 1,
    saved: true,
    help: 'Batches whose gradients add up to one optimizer step (cpu only): a larger effective batch in the same memory.',
    cli: { flag: 'grad-accum' },
  },
  lr: {
    kind: 'number',
    name: 'learning rate',
    min: 0,
    above: true,
    max: 1,
    default: 5e-5,
    saved: true,
    help: 'How big each update is. 2e-5 to 5e-5 suits full fine-tuning; training only the top layers or the head takes larger, e.g. 4e-4.',
    cli: { flag: 'lr', metavar: 'X' },
    form: { label: 'Learning rate', group: 'Training' },
  },
  schedule: {
    kind: 'choice',
    name: 'learning-rate schedule',
    default: 'linear',
    saved: true,
    choices: [
      { value: 'constant', label: 'Constant' },
      { value: 'linear', label: 'Linear decay to 0' },
    ],
    help: 'How the learning rate changes after warm-up: linear decay to 0 at the last step, or constant.',
    cli: { flag: 'schedule' },
  },
  trainLayers: {
    kind: 'trainLayers',
    name: 'what to train',
    default: 'all',
    saved: true,
    choices: [
      { value: 'all', label: 'Everything (full fine-tuning)', description: 'Every weight can change: the most capacity, the slowest, the easiest to overfit.' },
      { value: 'top', label: 'The top layers and the classifier', description: 'Lower layers stay as pre-trained; faster, and safer with little data.' },
      { value: 'head', label: 'Only the classifier (head)', description: 'The pre-trained model stays frozen: fast, like the frozen-embedding baseline.' },
    ],
    top: {
      label: 'Top layers to train',
      help: 'How many of the highest transformer layers are trained along with the classifier.',
      min: 1,
      max: 1000,
      default: 1,
    },
    help: 'Which weights may change: all, the top K layers and the classifier, or the classifier (head) alone. Train fewer layers when data is small or time is short.',
    cli: { flag: 'train-layers', metavar: 'all|head|top:K', deprecated: 'freeze' },
    form: { label: 'What to train', group: 'Training' },
  },
  layerLrDecay: {
    kind: 'number',
    name: 'layer-wise learning-rate decay',
    min: 0,
    above: true,
    max: 1,
    default: 1,
    saved: true,
    help: 'Per layer from the classifier down, the learning rate is multiplied by this: top layer lr x X, next lr x X^2, ...; 1 = off. Try 0.8-0.95.',
    cli: { flag: 'layer-lr-decay', metavar: 'X' },
    form: { label: 'Layer-wise learning-rate decay', group: 'Training' },
  },
  warmupSteps: {
    kind: 'int',
    name: 'warm-up steps',
    min: 0,
    max: 1_000_000,
    default: 0,
    saved: true,
    help: 'Steps over which the learning rate rises from 0 at the start; a few (e.g. 10% of one epoch) calm a shaky first epoch.',
    cli: { flag: 'warmup-steps' },
    form: { label: 'Warm-up steps', group: 'Training' },
  },
  weightDecay: {
    kind: 'number',
    name: 'weight decay',
    min: 0,
    max: 1,
    default: 0.01,
    saved: true,
    help: 'A gentle pull of the weights towards zero that limits overfitting; 0.01 is the usual value.',
    cli: { flag: 'weight-decay', metavar: 'X' },
    form: { label: 'Weight decay', group: 'Training' },
  },
  maxGradNorm: {
    kind: 'number',
    name: 'max gradient norm',
    min: 0,
    max: 1_000_000,
    default: 1,
    saved: true,
    help: 'Gradients with a larger L2 norm are scaled down to it (clipping); 0 = no clipping.',
    cli: { flag: 'max-grad-norm', metavar: 'X' },
  },
  evalEvery: {
    kind: 'evalEvery',
    name: 'evaluate every',
    words: ['auto', 'epoch'],
    min: 1,
    default: 'auto',
    saved: true,
    help: 'Validation during training: auto (per epoch from 4 epochs, else at least 4 evaluations), once per epoch, or every N steps.',
    cli: { flag: 'eval-every', metavar: 'auto|epoch|N' },
  },
  patience: {
    kind: 'int',
    name: 'early-stopping patience',
    min: 0,
    max: 1000,
    default: 0,
    saved: true,
    help: 'Stop after this many validations without a better best metric; the best checkpoint is then the model. 0 trains all epochs.',
    cli: { flag: 'patience' },
    form: { label: 'Early-stopping patience', group: 'Training' },
  },
  bestMetric: {
    kind: 'choice',
    name: 'best metric',
    default: 'accuracy',
    saved: true,
    choices: [
      { value: 'accuracy', label: 'Highest accuracy' },
      { value: 'macroF1', label: 'Highest macro F1' },
      { value: 'loss', label: 'Lowest log loss' },
    ],
    help: 'The validation metric that picks the best checkpoint and drives early stopping; log loss moves more smoothly than accuracy on a small validation set.',
    cli: { flag: 'best-metric' },
    form: { label: 'Best checkpoint by', group: 'Training' },
  },
  shuffle: {
    kind: 'boolean',
    name: 'shuffle',
    default: true,
    saved: true,
    help: 'The training data is shuffled every epoch (the order is a function of seed and epoch); turned off, training reads it in file order.',
    cli: { flag: 'no-shuffle' },
  },
  keepCheckpoints: {
    kind: 'int',
    name: 'checkpoints kept',
    min: 1,
    max: 100,
    default: 2,
    saved: true,
    help: 'How many checkpoints a run keeps on disk (the best and the last).',
  },
  seed: {
    kind: 'int',
    name: 'seed',
    min: 0,
    max: 2 ** 31 - 1,
    default: 42,
    saved: true,
    help: 'Fixes the random start of the classifier, the data order and dropout: the same seed gives the same run. Change it to see how much results vary.',
    cli: { flag: 'seed' },
    form: { label: 'Seed', group: 'Training' },
  },
  device: {
    kind: 'choice',
    name: 'device',
    default: 'auto',
    saved: false,
    resume: true,
    choices: [
      { value: 'auto', label: 'Automatic', description: 'A GPU when one works (CUDA, then WebGPU), otherwise the CPU.' },
      { value: 'cpu', label: 'CPU' },
      { value: 'cuda', label: 'NVIDIA GPU (CUDA)', description: 'Falls back to the CPU, with the reason, when CUDA cannot be used.' },
      { value: 'webgpu', label: 'WebGPU', description: 'Falls back to the CPU, with the reason, when no adapter works.' },
    ],
    help: 'Where the training steps run; an accelerator that cannot be used falls back to the cpu with a one-line reason.',
    cli: { flag: 'device', defaultText: 'GFT_DEVICE, else auto' },
    form: { label: 'Device', group: 'Where it runs' },
  },
  threads: {
    kind: 'int',
    name: 'threads',
    min: 0,
    max: 1024,
    default: 0,
    saved: false,
    resume: true,
    help: 'Threads used on the CPU; 0 means one per core. Lower it to keep the editor responsive while training.',
    cli: { flag: 'threads', defaultText: 'GFT_THREADS, else one per core' },
    form: { label: 'CPU threads', group: 'Where it runs' },
  },
} as const satisfies Record<keyof TrainConfig | 'device' | 'threads', SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
export type TrainKey = keyof TrainConfig;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
/** The settings of a run's TrainConfig: those recorded in run.json's config (device and threads go to its execution record). */
export const TRAIN_KEYS = SETTING_KEYS.filter((k): k is TrainKey => (SETTINGS[k] as SettingSpec).saved);

/** Fixed optimizer and model settings of every run (not exposed anywhere; the engine's trainer takes them). */
export const FIXED_TRAINING = {
  /** AdamW's moment decay rates. */
  betas: [0.9, 0.999] as [number, number],
  /** AdamW's epsilon. */
  eps: 1e-8,
  /** Dropout as the model's config says (on while training, off in evaluation). */
  dropout: true,
};

/**
 * `gft demo`'s fine-tuning of the starter model, also the form's "Starter model on long reviews" preset (settings
 * not named here are the defaults): each review read sentence by sentence, the top layer and the head trained at
 * 4e-4 for 4 epochs, the checkpoint of lowest validation loss kept (88.35% pooled over the movie reviews' 10 folds;
 * src/host/report/demo.ts says how it was chosen).
 */
export const STARTER_DEMO_CONFIG = {
  maxLength: 64,
  longText: 'sentence-mean',
  docPieces: 8,
  trainLayers: { top: 1 },
  lr: 4e-4,
  epochs: 4,
  warmupSteps: 10,
  bestMetric: 'loss',
} as const satisfies Partial<TrainConfig>;

type Defaults<S> = { [K in keyof S as S[K] extends { optional: true } ? never : K]: S[K] extends { default: infer D } ? D : never };
function defaultsOf<S extends Record<string, { default?: unknown; optional?: boolean }>>(s: S): Defaults<S> {
  return Object.fromEntries(
    Object.entries(s)
      .filter(([, v]) => !v.optional)
      .map(([k, v]) => [k, v.default]),
  ) as Defaults<S>;
}
const allDefaults = defaultsOf(SETTINGS);
const { device: _device, threads: _threads, ...trainDefaults } = allDefaults;

/** The defaults of every training setting (optional ones absent); the compiler checks them against TrainConfig. */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = trainDefaults;
export const DEFAULT_DEVICE: DeviceChoice = allDefaults.device;
export const DEFAULT_THREADS: number = allDefaults.threads;
/** Sentences per text per step of 'sentence-mean' when docPieces is not set. */
export const DEFAULT_DOC_PIECES: number = SETTINGS.docPieces.default;
export const DEVICE_CHOICES = SETTINGS.device.choices.map((c) => c.value) as DeviceChoice[];
