// JSON-RPC contract between the client (extension or CLI) and the training host process.

/** Request: the host reports its versions and the devices it can use. */
export const HostInfoRequest = 'host/info';
export interface HostInfo {
  hostVersion: string;
  node: string;
  onnxruntime: string;
  pid: number;
}

/** Notification from the host: one line for the log (output channel / log.txt). */
export const LogNotification = 'host/log';
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  runId?: string;
}
