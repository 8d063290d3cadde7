// Export for production: the eval graph with trained weights as an ONNX model, and int8 dynamic quantization.
//   buildInferenceModel(model, weights, opts?) -> onnx.ModelProto   inputs = model.inputNames, output 'logits'
//   quantizeDynamic(proto, opts?) -> { model, report }             MatMul/Gemm weights and embeddings to 8 bits
//   PieceClassifier(model)                                        per-sentence logits of a document-pooling run
//   encodeModel(proto) -> Uint8Array (.onnx bytes); decodeModel(bytes)
export { buildInferenceModel, bakeWeights, setOutputShape, encodeModel, decodeModel, floatTensor, type InferenceModelOptions } from './inference';
export { quantizeDynamic, quantizeColumns, dequantize, type QuantizeOptions, type QuantizeReport, type QuantizedColumns } from './quantize';
export { PieceClassifier } from './pieces';
