export * from './metrics';
export * from './compare';
export * from './rng';
