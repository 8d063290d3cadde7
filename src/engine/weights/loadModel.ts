// Loads a Hugging Face BERT / DistilBERT / RoBERTa folder (config.json + safetensors) as a SequenceClassifier
// and its weights keyed by HF parameter names. Accepts checkpoints of the bare model (no 'bert.' prefix), of
// pre-training / masked-LM models (extra heads ignored), and of sequence classifiers (head kept when its label
// count matches). Missing or mismatched head parameters are initialised as transformers does: normal(0,
// initializer_range) weights, zero biases, from a seeded generator.
import type { ParamInfo } from '../ir/model';
import { BertClassifier } from '../models/bert';
import { DistilBertClassifier } from '../models/distilbert';
import { RobertaClassifier } from '../models/roberta';
import type { EncoderClassifier } from '../models/common';
import { readCheckpointFolder } from './checkpoint';
import { readHfConfig, type TransformerConfig } from './hfConfig';
import type { SafeTensor } from './safetensors';
import { mulberry32 } from '../../shared/prng';

export function createClassifier(config: TransformerConfig, numLabels = config.numLabels): EncoderClassifier {
  switch (config.architecture) {
    case 'bert':
      return new BertClassifier(config, numLabels);
    case 'distilbert':
      return new DistilBertClassifier(config, numLabels);
    case 'roberta':
      return new RobertaClassifier(config, numLabels);
  }
}

export interface LoadOptions {
  /** Number of classes; default: the checkpoint config's (id2label / num_labels). */
  numLabels?: number;
  /** Seed for newly initialised parameters. */
  seed?: number;
}

export interface LoadedClassifier {
  model: EncoderClassifier;
  weights: Map<string, Float32Array>;
  config: TransformerConfig;
  /** Parameters initialised here (a new classification head, a missing pooler). */
  initialized: string[];
  /** Checkpoint tensors not used (e.g. the masked-LM head). */
  ignored: string[];
}

export function loadSequenceClassifier(folder: string, opts: LoadOptions = {}): LoadedClassifier {
  const config = readHfConfig(folder);
  const model = createClassifier(config, opts.numLabels ?? config.numLabels);
  // Read only what the model can use (a masked-LM head or an unused pooler never enters memory).
  const names = new Set(model.params.map((p) => p.name));
  const prefix = BASE_PREFIX[config.architecture];
  const skipped = new Set<string>();
  const tensors = readCheckpointFolder(folder, {
    filter: (raw) => {
      const k = fixKey(raw);
      const use = names.has(k) || names.has(prefix + k);
      if (!use) skipped.add(raw);
      return use;
    },
  });
  const res = assignWeights(model.params, tensors, config, opts.seed ?? 0, folder);
  return { config, model, ...res, ignored: [...skipped, ...res.ignored] };
}

/** transformers' legacy renames (TF-converted checkpoints): LayerNorm.gamma/beta -> weight/bias. */
function fixKey(k: string): string {
  return k.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
}

const BASE_PREFIX: Record<string, string> = { bert: 'bert.', distilbert: 'distilbert.', roberta: 'roberta.' };

export function assignWeights(
  params: ParamInfo[],
  tensors: Map<string, SafeTensor>,
  config: TransformerConfig,
  seed: number,
  where = 'checkpoint',
): { weights: Map<string, Float32Array>; initialized: string[]; ignored: string[] } {
  const want = new Map(params.map((p) => [p.name, p]));
  const prefix = BASE_PREFIX[config.architecture];
  const found = new Map<string, SafeTensor>();
  const ignored: string[] = [];
  for (const [raw, t] of tensors) {
    const k = fixKey(raw);
    // A bare-model checkpoint (BertModel, DistilBertModel ...) names tensors without the base prefix.
    const name = want.has(k) ? k : want.has(prefix + k) ? prefix + k : undefined;
    if (name === undefined || found.has(name)) ignored.push(raw);
    else found.set(name, t);
  }

  const rng = new NormalRng(seed);
  const weights = new Map<string, Float32Array>();
  const initialized: string[] = [];
  const missing: string[] = [];
  for (const p of params) {
    const t = found.get(p.name);
    const fits = t !== undefined && sameShape(t.shape, p.shape);
    if (t && !fits && p.group !== 'head') {
      throw new Error(
        `${where}: tensor '${p.name}' has shape [${t.shape}] but the config says [${p.shape}]; config.json and the weights do not belong together`,
      );
    }
    if (t && fits) {
      if (!(t.data instanceof Float32Array)) throw new Error(`${where}: tensor '${p.name}' is ${t.dtype}, expected a float tensor`);
      weights.set(p.name, t.data);
    } else if (p.group === 'head') {
      weights.set(p.name, initParam(p, config.initializerRange, rng));
      initialized.push(p.name);
    } else {
      missing.push(p.name);
    }
  }
  if (missing.length) {
    throw new Error(
      `${where}: ${missing.length} ${config.architecture} weight(s) missing, e.g. '${missing[0]}'; is this a ${config.modelType} checkpoint matching its config.json?`,
    );
  }
  return { weights, initialized, ignored };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** HF _init_weights for Linear layers: weight ~ normal(0, initializer_range), bias = 0. */
function initParam(p: ParamInfo, std: number, rng: NormalRng): Float32Array {
  const out = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
  if (p.name.endsWith('.bias')) return out;
  for (let i = 0; i < out.length; i++) out[i] = std * rng.next();
  return out;
}

/** Deterministic standard normals: mulberry32 uniforms through Box-Muller. */
export class NormalRng {
  readonly uniform: () => number;
  private spare: number | undefined;
  constructor(seed: number) {
    this.uniform = mulberry32((seed >>> 0) ^ 0x9e3779b9);
  }
  next(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.uniform(); // (0, 1]
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
