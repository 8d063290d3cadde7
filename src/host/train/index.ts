export * from './config';
export * from './evaluate';
export * from './model';
export * from './runFinetune';
export * from './checkpointPredictor';
export * from './device';
export * from './setup';
export * from './estimate';
