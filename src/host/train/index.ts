export * from './config';
export * from './evaluate';
export * from './model';
export * from './loop';
export * from './predictor';
