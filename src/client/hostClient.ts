// A client for the training host that survives the host: it starts the host on the first request, forwards
// notifications to listeners that stay registered across restarts, and when the host dies it fails the pending
// requests with one clear error, marks the runs in progress failed, and starts a fresh host on the next request.
import type { CancellationToken } from 'vscode-jsonrpc/node';
import {
  Notifications,
  RunFinishedMethods,
  type LogLine,
  type MetricPoint,
  type Progress,
  type RequestType,
  type RunResult,
  type RunStarted,
} from '../protocol';
import { startHost, type HostExit, type HostHandle } from './hostProcess';
import { markRunFailed } from './recovery';
import { onNotification, sendRequest } from './rpc';

export class HostExitedError extends Error {
  constructor(
    readonly exit: HostExit,
    readonly failedRuns: string[],
  ) {
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    const runs = failedRuns.length ? `; run ${failedRuns.join(', ')} marked failed` : '';
    super(`the training host exited unexpectedly (${how})${runs}; the next request starts a new host`);
    this.name = 'HostExitedError';
  }
}

export interface HostClientOptions {
  hostScript: string;
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives the host's stdout/stderr text (e.g. an output channel). */
  output?: (text: string) => void;
}

type Listener<T> = (value: T) => void;

export class HostClient {
  private handle: HostHandle | undefined;
  private readonly activeRuns = new Map<string, string>();
  private readonly listeners = {
    progress: new Set<Listener<Progress>>(),
    metric: new Set<Listener<MetricPoint>>(),
    log: new Set<Listener<LogLine>>(),
    started: new Set<Listener<RunStarted>>(),
    exit: new Set<Listener<HostExitedError>>(),
  };

  constructor(private readonly options: HostClientOptions) {}

  onProgress = (f: Listener<Progress>) => this.add(this.listeners.progress, f);
  onMetric = (f: Listener<MetricPoint>) => this.add(this.listeners.metric, f);
  onLog = (f: Listener<LogLine>) => this.add(this.listeners.log, f);
  onRunStarted = (f: Listener<RunStarted>) => this.add(this.listeners.started, f);
  onHostExit = (f: Listener<HostExitedError>) => this.add(this.listeners.exit, f);

  private add<T>(set: Set<Listener<T>>, f: Listener<T>): { dispose(): void } {
    set.add(f);
    return { dispose: () => set.delete(f) };
  }

  /** The pid of the running host, if one is running. */
  get pid(): number | undefined {
    return this.handle?.child.pid;
  }

  /** Starts the host process now (it starts on the first request otherwise), so that request need not wait for it. */
  start(): void {
    this.ensure();
  }

  private ensure(): HostHandle {
    if (this.handle) return this.handle;
    const h = startHost(this.options.hostScript, { execPath: this.options.execPath, env: this.options.env });
    const out = this.options.output;
    if (out) {
      h.child.stdout?.on('data', (d: Buffer) => out(d.toString()));
      h.child.stderr?.on('data', (d: Buffer) => out(d.toString()));
    } else {
      h.child.stdout?.resume();
      h.child.stderr?.resume();
    }
    const emit =
      <T>(set: Set<Listener<T>>) =>
      (v: T) =>
        set.forEach((f) => f(v));
    onNotification(h.connection, Notifications.progress, emit(this.listeners.progress));
    onNotification(h.connection, Notifications.metric, emit(this.listeners.metric));
    onNotification(h.connection, Notifications.log, emit(this.listeners.log));
    onNotification(h.connection, Notifications.runStarted, (s: RunStarted) => {
      this.activeRuns.set(s.runId, s.runDir);
      emit(this.listeners.started)(s);
    });
    this.handle = h;
    void h.exited.then((exit) => {
      if (!this.disposed) this.exitError(h, exit);
    });
    return h;
  }

  /** Sends a request to the host (starting it if needed). Rejects with HostExitedError if the host dies first. */
  async request<P, R>(type: RequestType<P, R>, params: NoInfer<P>, token?: CancellationToken): Promise<R> {
    const h = this.ensure();
    let result: R;
    try {
      const answer = sendRequest(h.connection, type, params, token);
      result = await Promise.race([answer, h.exited.then((exit) => Promise.reject(this.exitError(h, exit)))]);
    } catch (e) {
      // A request rejected because the connection was disposed at the exit: report the exit instead.
      if (h.child.exitCode !== null || h.child.signalCode !== null) throw this.exitError(h, await h.exited);
      throw e;
    }
    if (RunFinishedMethods.includes(type.method) && result && typeof result === 'object' && 'runId' in result) {
      this.activeRuns.delete((result as unknown as RunResult).runId);
    }
    return result;
  }

  private readonly exitErrors = new WeakMap<HostHandle, HostExitedError>();

  /** Handles a host's exit once: marks its runs failed, forgets the host, tells listeners. */
  private exitError(h: HostHandle, exit: HostExit): HostExitedError {
    const known = this.exitErrors.get(h);
    if (known) return known;
    if (this.handle === h) this.handle = undefined;
    const failed: string[] = [];
    for (const [id, dir] of this.activeRuns) {
      try {
        if (markRunFailed(dir, `the training host exited unexpectedly (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}) during the run`))
          failed.push(id);
      } catch {
        /* the next host marks it from its pid */
      }
    }
    this.activeRuns.clear();
    const err = new HostExitedError(exit, failed);
    this.exitErrors.set(h, err);
    this.listeners.exit.forEach((f) => f(err));
    return err;
  }

  private disposed = false;

  dispose(): void {
    this.disposed = true;
    const h = this.handle;
    this.handle = undefined;
    h?.dispose();
  }
}
