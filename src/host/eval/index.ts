export * from './metrics';
export * from './compare';
