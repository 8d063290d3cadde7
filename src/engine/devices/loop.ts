// ONNX-level transformations of a one-step training model (see ./stepGraph.ts):
// - bakeInitializers: turns chosen graph inputs (frozen parameters) into initializers, so they are uploaded to a
//   device once, at session creation, instead of on every run.
// - wrapInLoop: K optimizer steps in ONE session run. An ONNX Loop whose body is the step: the state (parameters,
//   Adam moments, step counter) is loop-carried, the per-step inputs arrive stacked along a new leading axis
//   [K, ...] and the body picks its slice with Gather(stacked, iteration number); per-step metrics (loss,
//   gradNorm) come out as scan outputs [K]. With the CUDA provider, which uploads every input and downloads
//   every output on every run, this pays the host<->device transfers once per K steps.
import { onnx } from 'onnx-proto';

export interface LoopSpec {
  /** loop-carried values: the step model's input and the output that becomes its next value */
  carried: { input: string; output: string }[];
  /** inputs that change every step; the wrapped model takes them stacked as [K, ...their shape] */
  perStep: string[];
  /** per-step outputs; the wrapped model returns them stacked as [K, ...] */
  perStepOutputs: string[];
}

/** Prefix of every name defined inside the Loop body (keeps them apart from the outer graph's names). */
const P = 'loop_body/';

export function bakeInitializers(model: onnx.IModelProto, values: ReadonlyMap<string, Float32Array>): onnx.ModelProto {
  const g = model.graph!;
  const inputs = g.input ?? [];
  for (const name of values.keys()) if (!inputs.some((i) => i.name === name)) throw new Error(`bakeInitializers: '${name}' is not an input of the model`);
  const baked: onnx.ITensorProto[] = inputs
    .filter((i) => values.has(i.name!))
    .map((i) => {
      const v = values.get(i.name!)!;
      const dims = (i.type!.tensorType!.shape?.dim ?? []).map((d) => Number(d.dimValue));
      if (i.type!.tensorType!.elemType !== onnx.TensorProto.DataType.FLOAT) throw new Error(`bakeInitializers: '${i.name}' is not float32`);
      if (dims.reduce((a, b) => a * b, 1) !== v.length)
        throw new Error(`bakeInitializers: '${i.name}' needs ${dims.reduce((a, b) => a * b, 1)} values, got ${v.length}`);
      return { name: i.name, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
    });
  return onnx.ModelProto.create({
    ...model,
    graph: { ...g, input: inputs.filter((i) => !values.has(i.name!)), initializer: [...(g.initializer ?? []), ...baked] },
  });
}

export function wrapInLoop(model: onnx.IModelProto, spec: LoopSpec): onnx.ModelProto {
  const g = model.graph!;
  const inputs = new Map((g.input ?? []).map((i) => [i.name!, i]));
  const outputs = new Map((g.output ?? []).map((o) => [o.name!, o]));
  const perStep = spec.perStep.filter((n) => inputs.has(n)); // inputs the step does not use are not in the model
  const carriedIn = new Set(spec.carried.map((c) => c.input));
  for (const c of spec.carried) {
    if (!inputs.has(c.input)) throw new Error(`wrapInLoop: carried input '${c.input}' is not an input of the step model`);
    if (!outputs.has(c.output)) throw new Error(`wrapInLoop: carried output '${c.output}' is not an output of the step model`);
  }
  for (const n of spec.perStepOutputs) if (!outputs.has(n)) throw new Error(`wrapInLoop: per-step output '${n}' is not an output of the step model`);
  if (perStep.length === 0) throw new Error('wrapInLoop: no per-step input to take the trip count from');
  const perStepSet = new Set(perStep);
  for (const n of perStep) if (carriedIn.has(n)) throw new Error(`wrapInLoop: '${n}' is both carried and per-step`);

  // Names the body reads from the outer scope stay as they are; everything the body defines gets the prefix.
  const outer = new Set<string>([...(g.initializer ?? []).map((t) => t.name!), ...[...inputs.keys()].filter((n) => !carriedIn.has(n) && !perStepSet.has(n))]);
  const r = (n: string) => (n === '' || outer.has(n) ? n : P + n);

  const iter = P + 'iteration',
    condIn = P + 'cond_in',
    condOut = P + 'cond_out';
  const scalar = (name: string, elemType: number): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType, shape: { dim: [] } } } });
  const body: onnx.IGraphProto = {
    name: 'step',
    node: [
      ...perStep.map((n) => ({
        opType: 'Gather',
        name: `${P}pick_${n}`,
        input: [n, iter],
        output: [r(n)],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      })),
      ...(g.node ?? []).map((nd) => ({ ...nd, name: P + (nd.name ?? ''), input: (nd.input ?? []).map(r), output: (nd.output ?? []).map(r) })),
      { opType: 'Identity', name: `${P}cond`, input: [condIn], output: [condOut] },
    ],
    input: [
      scalar(iter, onnx.TensorProto.DataType.INT64),
      scalar(condIn, onnx.TensorProto.DataType.BOOL),
      ...spec.carried.map((c) => ({ ...inputs.get(c.input)!, name: r(c.input) })),
    ],
    output: [
      scalar(condOut, onnx.TensorProto.DataType.BOOL),
      ...spec.carried.map((c) => ({ ...outputs.get(c.output)!, name: r(c.output) })),
      ...spec.perStepOutputs.map((n) => ({ ...outputs.get(n)!, name: r(n) })),
    ],
  };

  const stacked = (i: onnx.IValueInfoProto): onnx.IValueInfoProto => {
    const tt = i.type!.tensorType!;
    return { name: i.name, type: { tensorType: { elemType: tt.elemType, shape: { dim: [{ dimParam: 'K' }, ...(tt.shape?.dim ?? [])] } } } };
  };
  const first = perStep[0];
  const outerGraph: onnx.IGraphProto = {
    name: `${g.name ?? 'graph'}_loop`,
    initializer: g.initializer ?? [],
    input: [...inputs.values()].map((i) => (perStepSet.has(i.name!) ? stacked(i) : i)),
    output: [
      ...spec.carried.map((c) => outputs.get(c.output)!),
      ...spec.perStepOutputs.map((n) => ({ name: n, type: { tensorType: { elemType: outputs.get(n)!.type!.tensorType!.elemType } } })),
    ],
    node: [
      {
        opType: 'Shape',
        name: 'loop/shape',
        input: [first],
        output: ['loop/k1'],
        attribute: [
          { name: 'start', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
          { name: 'end', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
        ],
      },
      { opType: 'Squeeze', name: 'loop/squeeze', input: ['loop/k1'], output: ['loop/k'] },
      {
        opType: 'Loop',
        name: 'loop/steps',
        input: ['loop/k', '', ...spec.carried.map((c) => c.input)],
        output: [...spec.carried.map((c) => c.output), ...spec.perStepOutputs],
        attribute: [{ name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: body }],
      },
    ],
  };
  return onnx.ModelProto.create({ ...model, graph: outerGraph });
}

/**
 * Makes int64 inputs float32 where the model only casts them to float (the attention mask): the Cast nodes go and
 * their consumers read the input directly; any other consumer gets one Cast back to int64. A GPU provider without
 * int64 kernels then runs none of it on the CPU. Callers feed those inputs as float32.
 */
export function floatInputs(model: onnx.IModelProto, names: readonly string[]): onnx.ModelProto {
  const g = model.graph!;
  const FLOAT = onnx.TensorProto.DataType.FLOAT,
    INT64 = onnx.TensorProto.DataType.INT64;
  const targets = new Set((g.input ?? []).filter((i) => names.includes(i.name!) && i.type?.tensorType?.elemType === INT64).map((i) => i.name!));
  if (targets.size === 0) return onnx.ModelProto.create(model);
  const rename = new Map<string, string>();
  const kept: onnx.INodeProto[] = [];
  const needInt = new Set<string>();
  for (const n of g.node ?? []) {
    const x = n.input?.[0];
    const to = n.attribute?.find((a) => a.name === 'to')?.i;
    if (n.opType === 'Cast' && x && targets.has(x) && Number(to) === FLOAT) {
      rename.set(n.output![0], x);
      continue;
    }
    kept.push(n);
  }
  // consumers that read the input itself (not through a removed Cast) and are not Casts get it back as int64
  const back = (n: onnx.INodeProto, i: string) => targets.has(i) && n.opType !== 'Cast';
  for (const n of kept) for (const i of n.input ?? []) if (back(n, i)) needInt.add(i);
  const casts: onnx.INodeProto[] = [...needInt].map((name) => ({
    opType: 'Cast',
    input: [name],
    output: [`${name}/int64`],
    name: `cast_back/${name}`,
    attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: INT64 }],
  }));
  const finalNodes = kept.map((n) => ({ ...n, input: (n.input ?? []).map((i) => (back(n, i) ? `${i}/int64` : (rename.get(i) ?? i))) }));
  return onnx.ModelProto.create({
    ...model,
    graph: {
      ...g,
      node: [...casts, ...finalNodes],
      input: (g.input ?? []).map((i) => (targets.has(i.name!) ? { ...i, type: { tensorType: { ...i.type!.tensorType!, elemType: FLOAT } } } : i)),
      output: (g.output ?? []).map((o) => ({ ...o, name: rename.get(o.name!) ?? o.name })),
    },
  });
}
