// The training host process. Started by src/client as a Node child process with an IPC channel;
// speaks JSON-RPC (vscode-jsonrpc) over that channel. Never imports vscode.
// Long jobs (train, baseline) go through one JobQueue; queries (list, get, compare, predict) answer at once.
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import * as P from '../protocol';
import { hostInfo } from './info';
import { CancelledError, compareRuns, evaluateRun, JobQueue, predictTexts, prepareData, summarizeData, type JobEvents } from './jobs';
import { jobHandlers } from './jobs/registry';
import { listRuns, markOrphanedRuns, readRun } from './runs';
import { reflectionRequest } from './reflect/rpc';

/** Errors cross the wire as one line; the stack stays in the host's stderr. */
function oneLine(err: unknown): ResponseError<void> {
  if (err instanceof CancelledError) return new ResponseError(-32800, 'cancelled');
  const msg = err instanceof Error ? err.message : String(err);
  return new ResponseError(-32000, msg.split('\n')[0]);
}

function handle<P, R>(connection: MessageConnection, method: string, f: (p: P) => R | Promise<R>): void {
  connection.onRequest(method, async (params: P) => {
    try {
      return await f(params);
    } catch (err) {
      if (!(err instanceof CancelledError)) console.error(err);
      return oneLine(err);
    }
  });
}

export function serve(connection: MessageConnection): JobQueue {
  const events: JobEvents = {
    started: (e) => void connection.sendNotification(P.RunStartedNotification, e),
    progress: (p) => void connection.sendNotification(P.ProgressNotification, p),
    metric: (m) => void connection.sendNotification(P.MetricNotification, m),
    log: (l) => void connection.sendNotification(P.LogNotification, l),
  };
  const queue = new JobQueue(events);
  const recovered = new Set<string>();
  const recover = (root: string) => {
    // A run left 'running' by a host that died is marked failed once per host and root.
    if (recovered.has(root)) return;
    recovered.add(root);
    for (const id of markOrphanedRuns(root)) events.log?.({ level: 'warn', message: `run ${id} was interrupted when its host exited; marked failed`, runId: id });
  };
  handle(connection, P.HostInfoRequest, (): P.HostInfo => hostInfo());
  handle(connection, P.PrepareDatasetRequest, (p: P.PrepareDatasetParams) => summarizeData(prepareData(p)));
  handle(connection, P.TrainRequest, (p: P.TrainParams) => {
    recover(p.runsRoot);
    return queue.enqueue('train', (ctx) => jobHandlers.train(p, ctx));
  });
  handle(connection, P.BaselineRequest, (p: P.BaselineParams) => {
    recover(p.runsRoot);
    return queue.enqueue(`baseline-${p.kind}`, (ctx) => jobHandlers.baseline(p, ctx));
  });
  handle(connection, P.EvaluateRequest, async (p: P.EvaluateParams) => {
    const { predictions: _p, ...m } = await evaluateRun(p.runDir, p.data);
    return m;
  });
  handle(connection, P.PredictRequest, (p: P.PredictParams) => predictTexts(p.runDir, p.texts, { precision: p.precision }));
  handle(connection, P.ExportRequest, (p: P.ExportParams) => jobHandlers.export(p));
  handle(connection, P.CancelRequest, (p: P.CancelParams): P.CancelResult => ({ cancelled: queue.cancel(p?.runId) }));
  handle(connection, P.ListRunsRequest, (p: P.ListRunsParams): P.ListRunsResult => {
    recover(p.runsRoot);
    return listRuns(p.runsRoot);
  });
  handle(connection, P.GetRunRequest, (p: P.GetRunParams) => readRun(p.runDir));
  handle(connection, P.ProbeRequest, (p: P.ProbeParams) => queue.enqueue('probe', (ctx) => jobHandlers.probe(p, ctx)));
  handle(connection, P.CompareRequest, (p: P.CompareParams) => compareRuns(p.runDirA, p.runDirB, p.seed));
  connection.onRequest(P.ReflectionRequest, (p: P.ReflectionParams, token) => reflectionRequest(p, () => token.isCancellationRequested).catch(oneLine));
  return queue;
}

if (require.main === module || process.env.GFT_HOST_MAIN === '1') {
  if (!process.send) {
    console.error('gft host: this program is started by the extension or the CLI over IPC; run `gft --help` instead.');
    process.exit(2);
  }
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  serve(connection);
  connection.onClose(() => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  connection.listen();
}
