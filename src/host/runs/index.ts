export * from './files';
export * from './runFolder';
export * from './list';
