// Reads an onnxruntime session profile (SessionOptions.enableProfiling; a Chrome-trace JSON array) into what the
// device work is judged by: per session run, the GPU kernels (WebGPU "Api" events, one per dispatched kernel), the
// nodes run by each execution provider, and the bytes copied from the host (MemcpyFromHost nodes: inputs of
// device nodes that live on the CPU, e.g. the outputs of nodes that fell back to the CPU provider).
import { readFileSync } from 'node:fs';

interface TraceEvent {
  cat: string;
  name: string;
  dur?: number;
  ts?: number;
  args?: Record<string, unknown>;
}

export interface RunProfile {
  /** GPU kernels dispatched (WebGPU "Api" events); 0 where the provider records none (CPU) */
  kernels: number;
  /** GPU kernel time, ms (sum of the "Api" events' durations) */
  kernelMs: number;
  /** nodes executed per provider, e.g. { WebGpuExecutionProvider: 410, CPUExecutionProvider: 9 } */
  nodesByProvider: Record<string, number>;
  /** op types run on the CPU provider, with counts (MemcpyToHost/FromHost excluded) */
  cpuOps: Record<string, number>;
  /** bytes of MemcpyFromHost outputs (host -> device copies inside the run) */
  memcpyFromHostBytes: number;
  /** kernels per op type */
  kernelsByOp: Record<string, number>;
}

/** Splits the profile into runs (one per session.run, in order) and summarises each. */
export function readProfile(path: string): RunProfile[] {
  const events = JSON.parse(readFileSync(path, 'utf8')) as TraceEvent[];
  // the nodes of a run come before its "model_run" session event; the GPU kernels ("Api" events, resolved from
  // timestamp queries) of all runs come at the end, when profiling ends: they are shared out evenly (every run of
  // one session executes the same graph)
  const runs: RunProfile[] = [];
  let cur = empty();
  const gpu = empty();
  for (const e of events) {
    if (e.cat === 'Session' && e.name === 'model_run') {
      runs.push(cur);
      cur = empty();
      continue;
    }
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) {
      const provider = String(e.args?.provider ?? 'unknown');
      const op = String(e.args?.op_name ?? '');
      cur.nodesByProvider[provider] = (cur.nodesByProvider[provider] ?? 0) + 1;
      if (provider === 'CPUExecutionProvider' && !op.startsWith('Memcpy')) cur.cpuOps[op] = (cur.cpuOps[op] ?? 0) + 1;
      if (op === 'MemcpyFromHost') cur.memcpyFromHostBytes += Number(e.args?.output_size ?? 0);
    } else if (e.cat === 'Api') {
      const r = gpu;
      r.kernels++;
      r.kernelMs += (e.dur ?? 0) / 1000;
      const op = e.name.replace(/^n\d+_/, '').split('&')[0];
      r.kernelsByOp[op] = (r.kernelsByOp[op] ?? 0) + 1;
    }
  }
  const n = Math.max(runs.length, 1);
  for (const r of runs) {
    r.kernels = gpu.kernels / n;
    r.kernelMs = gpu.kernelMs / n;
    r.kernelsByOp = Object.fromEntries(Object.entries(gpu.kernelsByOp).map(([k, v]) => [k, v / n]));
  }
  return runs;
}

function empty(): RunProfile {
  return { kernels: 0, kernelMs: 0, nodesByProvider: {}, cpuOps: {}, memcpyFromHostBytes: 0, kernelsByOp: {} };
}
