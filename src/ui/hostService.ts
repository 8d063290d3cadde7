// The training host as the extension sees it: src/client's HostClient (starts the host on first use, survives its
// crashes), its notifications as VS Code events, and its errors as messages a person can act on, including
// "this build's host cannot do that yet" when the host does not implement a method.
import * as vscode from 'vscode';
import { ErrorCodes } from 'vscode-jsonrpc/node';
import { HostClient } from '../client/hostClient';
import { RunFinishedMethods, type LogLine, type MetricPoint, type Progress, type RequestType, type RunResult, type RunStarted } from '../protocol';
import { settings } from './settings';

/** The host answered that it does not implement a method: the feature is not built yet. */
export class HostFeatureMissing extends Error {
  constructor(
    readonly method: string,
    readonly what: string,
  ) {
    super(`The training host in this build cannot ${what} yet (it does not implement "${method}"). Nothing was started.`);
  }
}

export class HostService implements vscode.Disposable {
  private client: HostClient | undefined;
  private readonly progressEmitter = new vscode.EventEmitter<Progress>();
  private readonly metricEmitter = new vscode.EventEmitter<MetricPoint>();
  private readonly startedEmitter = new vscode.EventEmitter<RunStarted>();
  private readonly exitEmitter = new vscode.EventEmitter<string>();
  private readonly endedEmitter = new vscode.EventEmitter<RunResult>();
  /** A run this host started ended: its answer (completed, failed or cancelled). */
  readonly onRunEnded = this.endedEmitter.event;
  readonly onProgress = this.progressEmitter.event;
  readonly onMetric = this.metricEmitter.event;
  readonly onRunStarted = this.startedEmitter.event;
  /** The host died; the message says which runs were marked failed. The next request starts a new host. */
  readonly onHostExit = this.exitEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {}

  private ensure(): HostClient {
    if (this.client) return this.client;
    const s = settings();
    // Read by the host: GFT_MODEL_CACHE (model cache); GFT_DEVICE and GFT_THREADS are the device and thread count
    // of every training run and estimate that does not name its own (src/host/train/device.ts).
    const env: NodeJS.ProcessEnv = {
      GFT_DEVICE: s.device,
      ...(s.threads > 0 ? { GFT_THREADS: String(s.threads) } : {}),
      ...(s.modelCacheFolder ? { GFT_MODEL_CACHE: s.modelCacheFolder } : {}),
    };
    const client = new HostClient({
      hostScript: this.context.asAbsolutePath('dist/host.js'),
      env,
      output: (text) => this.output.append(text),
    });
    client.onLog((l: LogLine) => this.output.appendLine(`[${l.level}]${l.runId ? ` ${l.runId}:` : ''} ${l.message}`));
    client.onProgress((p) => this.progressEmitter.fire(p));
    client.onMetric((m) => this.metricEmitter.fire(m));
    client.onRunStarted((r) => this.startedEmitter.fire(r));
    client.onHostExit((e) => {
      this.output.appendLine(`[host] ${e.message}`);
      this.exitEmitter.fire(e.message);
    });
    this.client = client;
    return client;
  }

  /** Starts the host process ahead of a request that is coming (e.g. while the user picks runs to compare). */
  warm(): void {
    try {
      this.ensure().start();
    } catch {
      // the request itself reports why the host cannot start
    }
  }

  /** Sends a request; `what` completes "The training host cannot ..." when the host lacks the method. */
  async request<P, R>(type: RequestType<P, R>, params: NoInfer<P>, what: string, token?: vscode.CancellationToken): Promise<R> {
    try {
      const r = await this.ensure().request(type, params, token);
      const result = r as unknown as RunResult;
      if (RunFinishedMethods.includes(type.method) && result && typeof result.runId === 'string' && typeof result.status === 'string')
        this.endedEmitter.fire(result);
      return r;
    } catch (e) {
      // Duck-typed: the ResponseError class may come from another copy of vscode-jsonrpc.
      if ((e as { code?: unknown })?.code === ErrorCodes.MethodNotFound) throw new HostFeatureMissing(type.method, what);
      throw e;
    }
  }

  /** Settings that the host reads at start changed: the next request starts a host with the new ones. */
  restart(): void {
    this.client?.dispose();
    this.client = undefined;
  }

  dispose(): void {
    this.client?.dispose();
    this.client = undefined;
    this.progressEmitter.dispose();
    this.metricEmitter.dispose();
    this.startedEmitter.dispose();
    this.exitEmitter.dispose();
    this.endedEmitter.dispose();
  }
}

/** One line for a notification: the host's own message for its errors, never a stack trace. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}
