// The host's lowest job layer, below train/, export/, jobs/, report/ and reflect/ (which may import it; it imports
// none of them): the job context (cancel, progress, logs), data preparation into splits, and run results.
export * from './context';
export * from './prepareData';
export * from './results';
