// Tokenization for guided-finetune: tokenizers as TextTokenizer (content ids + special-token template), long-text
// strategies, dynamic-padding batches in the engine's layout, and token-length statistics.
//
//   loadHfTokenizer(folder) -> TextTokenizer      Hugging Face tokenizer.json + tokenizer_config.json (or a BERT
//                                                  vocab.txt: wordPieceTokenizerJson builds the same tokenizer), offline
//   TextTokenizer { name, specials: {prefix, suffix, pad}, usesTokenTypeIds, modelMaxLength, encode(text) }
//     Any tokenizer fits: the starter model's SentencePiece (./sentencepiece.ts) needs only an object literal.
//   applyStrategy(ids, specials, {strategy: 'head'|'tail'|'head+tail'|'chunks', maxLength, headTokens?, overlap?, maxChunks?})
//   encodeDocuments(tok, docs, opts) -> EncodedRow[] { ids, doc, window, label? }
//   makeBatches(rows, batchSize, pad, {tokenTypeIds?, sortByLength?}) / padBatch(rows, pad, opts) -> TokenBatch
//     TokenBatch { inputIds, attentionMask, tokenTypeIds?, labels?: BigInt64Array, batch, seq, docs }
//   trainingBatches(rows, batchSize, pad, {seed, epoch, bucket?, tokenTypeIds?})  seeded per-epoch order, optional
//     length bucketing;  aggregateWindowLogits(logits, numLabels, docs, numDocs)  mean of window logits ('chunks')
//   tokenStats(tok, texts, maxLength?) -> { mean, median, p90, max, truncated, truncatedShare, ... }; formatTokenStats
export { loadHfTokenizer, specialTemplate, TokenizerError, wordPieceTokenizerJson } from './hf';
export {
  aggregateWindowLogits,
  applyStrategy,
  chunkWindows,
  contentBudget,
  defaultHeadTokens,
  encodeDocuments,
  encodeDocumentsEach,
  LONG_TEXT_STRATEGIES,
  makeBatches,
  padBatch,
  trainingBatches,
} from './strategies';
export type { EncodedRow, LongTextStrategy, SpecialTokens, StrategyOptions, TextTokenizer, TokenBatch } from './strategies';
export { formatTokenStats, lengthStats, tokenStats } from './stats';
export type { TokenStats } from './stats';
