// Public API of the training engine (see README.md in this folder).
export type { DType, Dim, Tensor, Node, ParamSpec, DropoutSite } from './ir/types';
export { Graph, type GraphOptions } from './ir/graph';
export { resolveShape, fmt as formatShape } from './ir/shape';
export { toModelProto, serialize, OPSET, IR_VERSION } from './onnx/writer';
export { Program, sessionOptions, type SessionOptions, type TensorData, type TypedArray } from './runtime/session';
export type { ParamInfo, SequenceClassifier } from './ir/model';
export { grad, type GradOptions } from './autodiff/grad';
export { rules as gradientRules } from './autodiff/rules';
export { createTrainer, Trainer, type TrainConfig, type TrainerApi, type Batch, type StepResult, type SaliencyResult } from './train/trainer';
export {
  TRAINER_FORMAT,
  TRAINER_CHECKPOINT,
  TRAINER_PARAM_PREFIX,
  trainerCheckpointPath,
  hasTrainerCheckpoint,
  readTrainerCheckpoint,
  readTrainerParams,
  writeTrainerCheckpoint,
  type TrainerCheckpoint,
  type TrainerCounters,
} from './train/checkpoint';
export { StepClock, validateTrainConfig, type TrainerKind } from './train/bookkeeping';
export { buildTrainGraph, buildEvalGraph, buildSaliencyGraph, lrScaleOf, trainableFilter, type TrainLayers, type TrainGraph } from './train/program';
export { adamwUpdate, clipGradNorm, clipCoef, sumSquares, type AdamWHyper } from './optim/adamw';
export { lrLambda, type ScheduleName } from './optim/schedule';
export { fillKeepMask, keepBits, keepThreshold, stepSeeds, siteOffsets, maskOffsets, maskInputs } from './train/rng';
export { TrainerWorker, type WorkerInfo, type WorkerStartOptions } from './runtime/workerClient';
export { loadWorkerModel, serveTrainer, type WorkerModel, type WorkerModelLoader } from './runtime/workerServer';
export type { WorkerModelSpec } from './runtime/workerProtocol';
