// Type-level test of the RPC contract (src/protocol/rpc.ts), checked by `npm run typecheck` (never run): each method
// is bound once to its params and result, so senders and the host's handler table infer both, and a wrong params
// type, a caller-chosen result type or a handler answering another type does not compile. Each `@ts-expect-error`
// fails the typecheck if the line under it ever compiles.
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { HostClient } from '../../src/client/hostClient';
import { sendRequest } from '../../src/client/rpc';
import type { RequestHandlers } from '../../src/host/main';
import { Requests, type ListRunsResult, type ParamsOf, type ProbeResult, type ResultOf, type RunResult, type TrainParams } from '../../src/protocol';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;
/** Compiles only when `value`'s type is exactly T. */
const exactly =
  <T>() =>
  <V>(value: V, ok: Equal<T, V>): Equal<T, V> =>
    ok;

// The table's types, read back.
same<ParamsOf<typeof Requests.train>, TrainParams>(true);
same<ResultOf<typeof Requests.train>, RunResult>(true);
same<ResultOf<typeof Requests.probe>, ProbeResult>(true);

export async function senders(client: HostClient, connection: MessageConnection): Promise<void> {
  // Results are inferred from the method, not chosen by the caller.
  const runs = await client.request(Requests.listRuns, { runsRoot: '/runs' });
  exactly<ListRunsResult>()(runs, true);
  const trained = await sendRequest(connection, Requests.train, { model: 'starter', runsRoot: '/runs', config: { epochs: 2 } });
  exactly<RunResult>()(trained, true);
  const info = await client.request(Requests.hostInfo, undefined);
  exactly<number>()(info.pid, true);

  // @ts-expect-error runsRoot is a string: a wrong param type is rejected
  await client.request(Requests.listRuns, { runsRoot: 42 });
  // @ts-expect-error run/train needs a model and a runs folder
  await sendRequest(connection, Requests.train, { config: {} });
  // @ts-expect-error the params of another method (run/predict's) are rejected
  await client.request(Requests.evaluate, { runDir: '/r', texts: ['x'] });
  // @ts-expect-error a config key that does not exist is rejected
  await client.request(Requests.train, { model: 'starter', runsRoot: '/runs', config: { epoch: 2 } });
  // @ts-expect-error the caller cannot choose the result type: runs/list answers RunSummary[], not a string
  const wrong: string = await client.request(Requests.listRuns, { runsRoot: '/runs' });
  void wrong;
}

// The host's handler table: params are inferred per method, and the answer must be that method's result.
export const handlerParams: Pick<RequestHandlers, 'listRuns' | 'cancel'> = {
  listRuns: (p) => {
    exactly<string>()(p.runsRoot, true);
    return [];
  },
  cancel: (p) => ({ cancelled: p.runId ? [p.runId] : [] }),
};
export const wrongAnswer: Pick<RequestHandlers, 'getRun'> = {
  // @ts-expect-error runs/get answers a RunDetail, not a list of runs
  getRun: () => [],
};
// @ts-expect-error a handler table without a handler for every request does not compile
export const missing: RequestHandlers = { hostInfo: () => ({ hostVersion: '0', node: 'v20', onnxruntime: '1', pid: 1 }) };
