// The chapter's reflection from this workspace's own runs (see reflection.ts), and the error-pattern analysis
// behind it (patterns.ts).
export { buildReflection, comparisonSentence, reflectionMarkdown, writeReflection } from './reflection';
export type { ReflectionFacts, ReflectionOptions, RunFacts } from './reflection';
export { analyzeErrors, cueCounts, joinPredictions, negationCount, words, NEGATORS, STRONG_NEGATIVE, STRONG_POSITIVE, CONTRASTIVES } from './patterns';
export type { ErrorPatterns, LengthBucket, PatternOptions, PatternTest, ScoredExample, WrongExample } from './patterns';
export { BENCHMARK_FILE, learningCurve, loadRuns, loadSplitTexts, modelSize, selectSplit } from './facts';
export type { ExcludedRun, Latency, LearningCurve, LoadedRun, ModelSize, SplitGroup, Truncation } from './facts';
export { reflectionRequest } from './rpc';
export { fisherExact, holm, newcombeDiffCI, wilson } from './stats';
