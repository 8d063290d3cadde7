// Typed sending over a vscode-jsonrpc connection: the method's params and result come from its RequestType in
// src/protocol/rpc.ts, never from the caller.
import type { CancellationToken, Disposable, MessageConnection } from 'vscode-jsonrpc/node';
import type { NotificationType, RequestType } from '../protocol';

/** Sends `type`'s request; `undefined` params (P = void: host/info) send none. */
export function sendRequest<P, R>(connection: MessageConnection, type: RequestType<P, R>, params: NoInfer<P>, token?: CancellationToken): Promise<R> {
  const args: unknown[] = params === undefined ? [] : [params];
  if (token) args.push(token);
  return connection.sendRequest<R>(type.method, ...args);
}

export function onNotification<P>(connection: MessageConnection, type: NotificationType<P>, listener: (params: P) => void): Disposable {
  return connection.onNotification(type.method, listener);
}
