// Typed messages shared by the extension, the training host and the webview. Imports nothing.
export * from './rpc';
export * from './metrics';
export * from './runs';
export * from './formMessages';
export * from './words';
export * from './settingNames';
export * from './runNames';
export * from './trainerJob';
export * from './search';
export * from './searchTable';
