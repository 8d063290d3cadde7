export * from '../../shared/node/runFiles';
export * from './runFolder';
export * from './list';
