export * from './context';
export * from './data';
export * from './linear';
export * from './baselineTfidf';
export * from './predictor';
