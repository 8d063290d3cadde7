export * from './config';
export * from './evaluate';
export * from './model';
export * from './loop';
export * from './predictor';
export * from './device';
export * from './setup';
export * from './probe';
