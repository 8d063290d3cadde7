// A whole optimizer step as one graph: forward, loss, backward, global-norm clipping and AdamW. Parameters,
// Adam moments and the step counter are inputs whose updated values are outputs ("state"), so a device can keep
// them resident: each run's state outputs are the next run's inputs and never travel to the host. This is what
// makes GPU training worthwhile with onnxruntime-node, where every host tensor is uploaded on every run.
//
// AdamW follows torch.optim.AdamW (as ../optim/adamw.ts does on the host): p *= 1 - lr*wd (decaying params only),
// m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
import { Graph } from '../ir/graph';
import type { SequenceClassifier } from '../ir/model';
import type { Tensor } from '../ir/types';
import { grad } from '../autodiff/grad';

export interface OptimizerStepOptions {
  trainable: (name: string) => boolean;
  dropout: boolean;
  seed: number;
  classWeights?: number[];
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** global-norm clipping threshold; 0 = off */
  maxGradNorm: number;
}

/** One tensor carried from step to step: fed as `input`, its updated value comes back as `output`. */
export interface StateSlot {
  input: string;
  output: string;
  shape: number[];
  kind: 'param' | 'adam_m' | 'adam_v' | 'step';
  /** the parameter it belongs to ('' for the step counter) */
  param: string;
}

export interface OptimizerStepGraph {
  graph: Graph;
  state: StateSlot[];
  /** parameters that do not train: fixed inputs, the same every step (callers may bake them in as initializers) */
  frozen: string[];
  /** inputs that change every step: the model inputs, labels, dropout masks and the learning rate */
  perStep: string[];
  /** per-step scalar outputs */
  metrics: string[];
}

export const LR_INPUT = 'opt/lr';
export const STEP_INPUT = 'opt/step';
export const next = (input: string): string => `next/${input}`;

export function buildOptimizerStep(model: SequenceClassifier, o: OptimizerStepOptions): OptimizerStepGraph {
  const g = new Graph({ training: o.dropout, seed: o.seed });
  const { logits } = model.buildLogits(g, { trainable: o.trainable });
  const labels = g.input('labels', 'int64', ['batch']);
  const cw = o.classWeights ? g.constant(o.classWeights, 'float32', [o.classWeights.length]) : undefined;
  const loss = g.softmaxCrossEntropy(logits, labels, cw);
  const params = g.params.filter((p) => p.trainable);
  if (params.length === 0) throw new Error('training: no trainable parameters (check the freeze setting)');
  const grads = grad(g, loss, params.map((p) => p.tensor));

  const lr = g.input(LR_INPUT, 'float32', []);
  const step = g.input(STEP_INPUT, 'float32', []);
  const t = g.add(step, g.scalar(1));
  const one = g.scalar(1);
  const all = (x: Tensor) => x.shape.map((_, i) => i);

  let sq: Tensor | undefined;
  for (const gr of grads) {
    const s = gr.shape.length ? g.reduceSum(g.mul(gr, gr), all(gr)) : g.mul(gr, gr);
    sq = sq ? g.add(sq, s) : s;
  }
  const gradNorm = g.sqrt(sq!);
  let coef: Tensor | undefined;
  if (o.maxGradNorm > 0) {
    // torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to at most 1
    const c = g.div(g.scalar(o.maxGradNorm), g.add(gradNorm, g.scalar(1e-6)));
    coef = g.where(g.less(c, one), c, one);
  }

  const [b1, b2] = o.betas;
  // 1 - b^t with t a tensor: ONNX Pow takes a tensor exponent (no gradient is needed past this point)
  const powT = (b: number) => g.node('Pow', [g.scalar(b), t], [['float32', []]])[0];
  const bc1 = g.sub(one, powT(b1));
  const bc2sqrt = g.sqrt(g.sub(one, powT(b2)));
  const stepSize = g.div(lr, bc1);
  const decayed = g.sub(one, g.mul(lr, g.scalar(o.weightDecay)));

  const state: StateSlot[] = [];
  params.forEach((p, i) => {
    const name = p.tensor.name;
    const gr = coef ? g.mul(grads[i], coef) : grads[i];
    const m = g.input(`adam_m/${name}`, 'float32', p.shape);
    const v = g.input(`adam_v/${name}`, 'float32', p.shape);
    const m2 = g.add(g.mul(m, g.scalar(b1)), g.mul(gr, g.scalar(1 - b1)));
    const v2 = g.add(g.mul(v, g.scalar(b2)), g.mul(g.mul(gr, gr), g.scalar(1 - b2)));
    const denom = g.add(g.div(g.sqrt(v2), bc2sqrt), g.scalar(o.eps));
    const base = p.decay && o.weightDecay > 0 ? g.mul(p.tensor, decayed) : p.tensor;
    const p2 = g.sub(base, g.div(g.mul(m2, stepSize), denom));
    g.output(next(name), p2);
    g.output(next(m.name), m2);
    g.output(next(v.name), v2);
    state.push({ input: name, output: next(name), shape: p.shape, kind: 'param', param: name });
    state.push({ input: m.name, output: next(m.name), shape: p.shape, kind: 'adam_m', param: name });
    state.push({ input: v.name, output: next(v.name), shape: p.shape, kind: 'adam_v', param: name });
  });
  g.output(next(STEP_INPUT), t);
  state.push({ input: STEP_INPUT, output: next(STEP_INPUT), shape: [], kind: 'step', param: '' });
  g.output('loss', loss);
  g.output('gradNorm', gradNorm);

  const perStep = [...model.inputNames, 'labels', ...g.dropoutSites.map((s) => s.mask.name), LR_INPUT];
  return { graph: g, state, frozen: g.params.filter((p) => !p.trainable).map((p) => p.tensor.name), perStep, metrics: ['loss', 'gradNorm'] };
}
