// Starts the training host as a child process and talks JSON-RPC to it over IPC.
// In desktop VS Code the host runs under Electron's own binary with ELECTRON_RUN_AS_NODE=1.
import { fork, type ChildProcess } from 'node:child_process';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { Requests, type HostInfo } from '../protocol';
import { sendRequest } from './rpc';

export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HostHandle {
  connection: MessageConnection;
  child: ChildProcess;
  /** Resolves when the host process has exited (for any reason). */
  exited: Promise<HostExit>;
  info(): Promise<HostInfo>;
  dispose(): void;
}

export function startHost(hostScript: string, options: { execPath?: string; env?: NodeJS.ProcessEnv } = {}): HostHandle {
  const child = fork(hostScript, [], {
    execPath: options.execPath ?? process.execPath,
    env: { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const exited = new Promise<HostExit>((resolve) => {
    child.once('exit', (code, signal) => {
      // Disposing rejects every pending request, so no caller waits forever on a dead host.
      connection.dispose();
      resolve({ code, signal });
    });
    child.once('error', () => {
      connection.dispose();
      resolve({ code: null, signal: null });
    });
  });
  connection.listen();
  return {
    connection,
    child,
    exited,
    info: () => sendRequest(connection, Requests.hostInfo, undefined),
    dispose: () => {
      connection.dispose();
      child.kill();
    },
  };
}
