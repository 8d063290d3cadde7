// The training host as the extension sees it: started on first use through src/client, its notifications turned
// into events, and its errors into messages a person can act on (including "this build's host cannot do that yet").
import * as vscode from 'vscode';
import { ErrorCodes } from 'vscode-jsonrpc/node';
import { startHost, type HostHandle } from '../client/hostProcess';
import {
  LogNotification, MetricNotification, ProgressNotification, RunStartedNotification,
  type LogLine, type MetricPoint, type Progress, type RunStarted,
} from '../protocol';
import { settings } from './settings';

/** The host answered that it does not implement a method: the feature is not built yet. */
export class HostFeatureMissing extends Error {
  constructor(readonly method: string, readonly what: string) {
    super(`The training host in this build cannot ${what} yet (it does not implement "${method}"). Nothing was started.`);
  }
}

export class HostService implements vscode.Disposable {
  private handle: HostHandle | undefined;
  private readonly progressEmitter = new vscode.EventEmitter<Progress>();
  private readonly metricEmitter = new vscode.EventEmitter<MetricPoint>();
  private readonly startedEmitter = new vscode.EventEmitter<RunStarted>();
  readonly onProgress = this.progressEmitter.event;
  readonly onMetric = this.metricEmitter.event;
  readonly onRunStarted = this.startedEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly output: vscode.OutputChannel) {}

  private ensure(): HostHandle {
    if (this.handle) return this.handle;
    const s = settings();
    const env: NodeJS.ProcessEnv = {
      GFT_DEVICE: s.device,
      ...(s.threads > 0 ? { GFT_THREADS: String(s.threads) } : {}),
      ...(s.modelCacheFolder ? { GFT_MODEL_CACHE: s.modelCacheFolder } : {}),
    };
    const handle = startHost(this.context.asAbsolutePath('dist/host.js'), { env });
    const { connection, child } = handle;
    child.stdout?.on('data', (d: Buffer) => this.output.append(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.output.append(d.toString()));
    child.on('exit', (code, signal) => {
      this.output.appendLine(`[host] exited (${signal ?? `code ${code}`})`);
      if (this.handle === handle) this.handle = undefined;
    });
    connection.onNotification(LogNotification, (l: LogLine) => this.output.appendLine(`[${l.level}]${l.runId ? ` ${l.runId}:` : ''} ${l.message}`));
    connection.onNotification(ProgressNotification, (p: Progress) => this.progressEmitter.fire(p));
    connection.onNotification(MetricNotification, (m: MetricPoint) => this.metricEmitter.fire(m));
    connection.onNotification(RunStartedNotification, (r: RunStarted) => this.startedEmitter.fire(r));
    this.output.appendLine(`[host] started (pid ${child.pid})`);
    this.handle = handle;
    return handle;
  }

  /** Sends a request; `what` completes "The training host cannot ..." when the host lacks the method. */
  async request<R>(method: string, params: unknown, what: string, token?: vscode.CancellationToken): Promise<R> {
    const { connection } = this.ensure();
    try {
      return token ? await connection.sendRequest<R>(method, params, token) : await connection.sendRequest<R>(method, params);
    } catch (e) {
      // Duck-typed: the ResponseError class may come from another copy of vscode-jsonrpc.
      if ((e as { code?: unknown })?.code === ErrorCodes.MethodNotFound) throw new HostFeatureMissing(method, what);
      throw e;
    }
  }

  dispose(): void {
    this.handle?.dispose();
    this.handle = undefined;
    this.progressEmitter.dispose();
    this.metricEmitter.dispose();
    this.startedEmitter.dispose();
  }
}

/** One line for a notification: the host's own message for its errors, never a stack trace. */
export function errorMessage(e: unknown): string {
  if (e instanceof HostFeatureMissing) return e.message;
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}
