// The training host process. Started by src/client as a Node child process with an IPC channel;
// speaks JSON-RPC (vscode-jsonrpc) over that channel. Never imports vscode.
// Long jobs (train, baseline) go through one JobQueue; queries (list, get, compare, predict) answer at once.
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import * as P from '../protocol';
import { hostInfo } from './info';
import { CancelledError, compareRuns, evaluateRun, JobQueue, predictTexts, prepareData, runSearch, summarizeData, type JobEvents } from './jobs';
import { jobHandlers } from './jobs/registry';
import { importModel } from './jobs/importModel';
import { exportTrainerJob } from './jobs/trainerJob';
import { listRuns, markOrphanedRuns, readRun } from './runs';
import { reflectionRequest } from './reflect/rpc';
import { embeddingCacheRequest } from './jobs/embeddingCache';

/** Errors cross the wire as one line; the stack stays in the host's stderr. */
function oneLine(err: unknown): ResponseError<void> {
  if (err instanceof CancelledError) return new ResponseError(-32800, 'cancelled');
  const msg = err instanceof Error ? err.message : String(err);
  return new ResponseError(-32000, msg.split('\n')[0]);
}

/** The host's answer to one request type; `cancelled` reads the request's cancellation token ($/cancelRequest). */
type Handler<T> = (params: P.ParamsOf<T>, cancelled: () => boolean) => P.ResultOf<T> | Promise<P.ResultOf<T>>;
/** One handler per request in P.Requests: a request without one, or a handler answering another type, does not compile. */
export type RequestHandlers = { [K in keyof typeof P.Requests]: Handler<(typeof P.Requests)[K]> };

/** Requests whose errors are about the request itself (runs/reflection: no runs folder...): one line, no stack logged. */
const QUIET: ReadonlySet<keyof typeof P.Requests> = new Set(['reflection']);

function notify<T>(connection: MessageConnection, type: P.NotificationType<T>, params: T): void {
  void connection.sendNotification(type.method, params);
}

export function serve(connection: MessageConnection): JobQueue {
  const events: JobEvents = {
    started: (e) => notify(connection, P.Notifications.runStarted, e),
    progress: (p) => notify(connection, P.Notifications.progress, p),
    metric: (m) => notify(connection, P.Notifications.metric, m),
    log: (l) => notify(connection, P.Notifications.log, l),
  };
  const queue = new JobQueue(events);
  const recovered = new Set<string>();
  const recover = (root: string) => {
    // A run left 'running' by a host that died is marked failed once per host and root.
    if (recovered.has(root)) return;
    recovered.add(root);
    for (const id of markOrphanedRuns(root))
      events.log?.({ level: 'warn', message: `run ${id} was interrupted when its host exited; marked failed`, runId: id });
  };
  const handlers: RequestHandlers = {
    hostInfo: () => hostInfo(),
    prepareDataset: (p) => summarizeData(prepareData(p)),
    train: (p) => {
      recover(p.runsRoot);
      return queue.enqueue('train', (ctx) => jobHandlers.train(p, ctx));
    },
    baseline: (p) => {
      recover(p.runsRoot);
      return queue.enqueue(`baseline-${p.kind}`, (ctx) => jobHandlers.baseline(p, ctx));
    },
    evaluate: async (p) => {
      const { predictions: _p, ...m } = await evaluateRun(p.runDir, p.data);
      return m;
    },
    predict: (p) => predictTexts(p.runDir, p.texts, { precision: p.precision }),
    export: (p) => jobHandlers.export(p),
    cancel: (p) => ({ cancelled: queue.cancel(p?.runId) }),
    probe: (p) => queue.enqueue('probe', (ctx) => jobHandlers.probe(p, ctx)),
    search: (p) => {
      // a trial left 'running' by a host that died is marked failed, then resumed from its checkpoint
      recover(p.dir);
      return queue.enqueue('search', (ctx) => runSearch(p, ctx));
    },
    listRuns: (p) => {
      recover(p.runsRoot);
      return listRuns(p.runsRoot);
    },
    getRun: (p) => readRun(p.runDir),
    compare: (p) => compareRuns(p.runDirA, p.runDirB, p.seed),
    reflection: (p, cancelled) => reflectionRequest(p, cancelled),
    exportTrainerJob: async (p) => {
      const r = await exportTrainerJob({ runDir: p.runDir, out: p.out });
      return { dir: r.dir, files: r.files, stepsPerEpoch: r.job.expected.stepsPerEpoch, totalSteps: r.job.expected.totalSteps };
    },
    ensemble: (p) => {
      recover(p.runsRoot);
      return queue.enqueue('ensemble', (ctx) => jobHandlers.ensemble(p, ctx));
    },
    importModel: (p) => {
      recover(p.runsRoot);
      return queue.enqueue('import', (ctx) => importModel(p, ctx));
    },
    embeddingCache: (p) => embeddingCacheRequest(p),
  };
  for (const name of Object.keys(P.Requests) as (keyof typeof P.Requests)[]) {
    const handler = handlers[name] as (params: unknown, cancelled: () => boolean) => unknown;
    connection.onRequest(P.Requests[name].method, async (params: unknown, token) => {
      try {
        return await handler(params, () => token.isCancellationRequested);
      } catch (err) {
        if (!(err instanceof CancelledError) && !QUIET.has(name)) console.error(err);
        return oneLine(err);
      }
    });
  }
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
