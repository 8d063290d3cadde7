// Export for production (host side): folders that transformers.js / onnxruntime load, and a predictor over them.
//   exportRun(runDir, outDir, opts?) -> ExportResult         a completed fine-tuning run -> export folder
//   exportHfClassifier(opts) / exportUseLiteClassifier(opts)  from a model + weights in memory
//   loadExported(folder, {precision: 'fp32'|'int8'}) -> ExportedClassifier { labels, predict(texts) }
//   predict(folder, texts) -> number[][]                      probabilities, one row per text
export { exportHfClassifier, exportUseLiteClassifier, exportReadme, int8Check, recordExportCheck, EXPORT_MANIFEST, FP32_FILE, INT8_FILE } from './folder';
export type { ExportCheck, ExportLongText, ExportManifest, ExportResult, HfExportOptions, UseLiteExportOptions } from './folder';
export { exportRun, readRunWeights, type ExportRunOptions, type ExportRunResult } from './exportRun';
export { loadExported, predict, readExportManifest, softmax, type ExportedClassifier, type LoadExportedOptions } from './loadExported';
export { hfConfigJson } from './hfConfig';
