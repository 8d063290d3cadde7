// The logistic-regression objective of ./logreg.ts built as an engine Graph and run by onnxruntime, so the
// baselines are trained by the same engine as the fine-tuned models: the sparse rows are laid out as
// [rows, maxNnz] feature ids and values (padding: id 0, value 0), the weights are gathered by id, and the
// engine's autodiff gives the gradient (the gather's gradient is a scatter-add over repeated ids).
import { Graph, grad, Program, type TensorData } from '../../engine';
import type { Objective } from './lbfgs';
import { numRows } from './logreg';
import type { Csr } from './tfidf';

export interface EngineObjective {
  objective: Objective;
  dispose(): Promise<void>;
}

export async function engineObjective(x: Csr, labels: ArrayLike<number>, numClasses: number, C: number, threads?: number): Promise<EngineObjective> {
  const k = numRows(numClasses);
  const F = x.cols;
  const N = x.rows;
  let M = 1;
  for (let i = 0; i < N; i++) M = Math.max(M, x.indptr[i + 1] - x.indptr[i]);
  const ids = new BigInt64Array(N * M);
  const vals = new Float32Array(N * M);
  for (let i = 0; i < N; i++) {
    for (let p = x.indptr[i], j = 0; p < x.indptr[i + 1]; p++, j++) {
      ids[i * M + j] = BigInt(x.indices[p]);
      vals[i * M + j] = x.values[p];
    }
  }

  const g = new Graph({ training: false });
  const W = g.param('W', [F, k]);
  const b = g.param('b', [k]);
  const idIn = g.input('ids', 'int64', [N, M]);
  const valIn = g.input('vals', 'float32', [N, M]);
  const z = g.add(g.reduceSum(g.mul(g.gather(W, idIn), g.unsqueeze(valIn, [2])), [1]), b); // [N, k]
  const feeds: Record<string, TensorData> = { ids: { data: ids, dims: [N, M] }, vals: { data: vals, dims: [N, M] } };
  const yIn = g.input('labels', 'int64', [N]);
  feeds.labels = { data: BigInt64Array.from(Array.from(labels, (l) => BigInt(l))), dims: [N] };
  // Binary (one weight vector): log(1 + exp(-y z)) is the cross-entropy of the logits [0, z], a smooth and
  // stable form (a max/abs decomposition would have a zero gradient at z = 0, where training starts).
  const logits = k === 1 ? g.concat([g.mul(z, g.scalar(0)), z], 1) : z;
  const dataLoss = g.mul(g.softmaxCrossEntropy(logits, yIn), g.scalar(N));
  const reg = g.mul(g.reduceSum(g.mul(W, W), [0, 1]), g.scalar(0.5));
  const loss = g.add(g.mul(dataLoss, g.scalar(C)), reg);
  const [gW, gb] = grad(g, loss, [W, b]);
  g.output('loss', loss);
  g.output('grad_W', gW);
  g.output('grad_b', gb);
  const program = await Program.compile(g, { threads });

  // theta packs W as k rows of F (see logreg.ts); the graph's W is [F, k].
  const wFeed = new Float32Array(F * k);
  const objective: Objective = async (theta) => {
    for (let c = 0; c < k; c++) for (let f = 0; f < F; f++) wFeed[f * k + c] = theta[c * F + f];
    const out = await program.run({ ...feeds, W: { data: wFeed, dims: [F, k] }, b: { data: Float32Array.from(theta.subarray(k * F)), dims: [k] } });
    const gw = out.grad_W.data as Float32Array;
    const gradient = new Float64Array(theta.length);
    for (let c = 0; c < k; c++) for (let f = 0; f < F; f++) gradient[c * F + f] = gw[f * k + c];
    const gbv = out.grad_b.data as Float32Array;
    for (let c = 0; c < k; c++) gradient[k * F + c] = gbv[c];
    return { loss: Number(out.loss.data[0]), grad: gradient };
  };
  return { objective, dispose: () => program.dispose() };
}
