export * from './context';
export * from './data';
export * from './linear';
export * from './baselineTfidf';
export * from './predictor';
export * from './queue';
export * from './compare';
