// Model architectures and the Hugging Face loader.
export { BertClassifier } from './bert';
export { DistilBertClassifier } from './distilbert';
export { RobertaClassifier } from './roberta';
export { EncoderClassifier, decays, FLOAT32_MIN } from './common';
export { createClassifier, loadSequenceClassifier, assignWeights, NormalRng } from '../weights/loadModel';
export type { LoadOptions, LoadedClassifier } from '../weights/loadModel';
export { readHfConfig, parseHfConfig, SUPPORTED_MODEL_TYPES } from '../weights/hfConfig';
export type { TransformerConfig, Architecture, HiddenAct } from '../weights/hfConfig';
