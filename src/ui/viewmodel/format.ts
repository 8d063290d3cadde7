// Short human-readable strings for the tree, the status bar and the results panel. No vscode import.
import { runName, type RunKind, type RunManifest, type RunStatus } from '../../protocol';
import type { Progress } from '../../protocol';
import type { LiveProgress, MetricRow, RunHeader } from '../../protocol/webviewMessages';
import { clockDuration as duration, pct } from '../../shared/format';

export { duration, pct };

export const KIND_LABELS: Record<RunKind, string> = {
  finetune: 'fine-tune',
  'head-only': 'head only',
  'baseline-tfidf': 'TF-IDF + logistic regression',
  'baseline-nbsvm': 'NB-weighted bigrams + logistic regression (NBSVM)',
  'baseline-embeddings': 'frozen embeddings + classifier',
  ensemble: 'ensemble of runs (pooled with weights fit on validation)',
};

/** Short names for the Runs tree, where the full ones do not fit. */
export const KIND_SHORT: Record<RunKind, string> = {
  finetune: 'fine-tune',
  'head-only': 'head only',
  'baseline-tfidf': 'TF-IDF baseline',
  'baseline-nbsvm': 'NBSVM baseline',
  'baseline-embeddings': 'embeddings baseline',
  ensemble: 'ensemble',
};

export function kindShort(kind: string): string {
  return (KIND_SHORT as Record<string, string>)[kind] ?? kind;
}

/** When a run started, short: "14:05" today, "Nov 25 14:05" before. */
export function startedShort(iso: string | undefined, now = new Date()): string {
  const d = iso ? new Date(iso) : undefined;
  if (!d || Number.isNaN(d.getTime())) return '';
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === now.toDateString() ? time : `${d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })} ${time}`;
}

export function kindLabel(kind: string): string {
  return (KIND_LABELS as Record<string, string>)[kind] ?? kind;
}

export function num(x: number | null | undefined, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–';
}

/**
 * One line of a job's progress (status bar, Runs view, results panel): the phase, what is being done when the host
 * says (a baseline's "C 2/3 (C=10) · iteration 40"), the step out of the total with its percentage only when the
 * total is known, the epoch, the loss and the time left.
 */
export function progressText(p: Progress): string {
  const parts: string[] = [p.phase];
  if (p.detail) parts.push(p.detail);
  if (p.total > 0 && p.phase !== 'done') parts.push(`${p.phase === 'training' ? 'step ' : ''}${p.step}/${p.total} (${Math.round((100 * p.step) / p.total)}%)`);
  if (p.epoch !== undefined) parts.push(`epoch ${p.epoch}`);
  if (p.loss !== undefined && Number.isFinite(p.loss)) parts.push(`loss ${p.loss.toFixed(3)}`);
  if (p.etaSec !== undefined && Number.isFinite(p.etaSec)) parts.push(`${duration(p.etaSec * 1000)} left`);
  return parts.join(' · ');
}

export function liveProgress(p: Progress): LiveProgress {
  return {
    text: progressText(p),
    running: true,
    ...(p.total > 0 ? { step: p.step, total: p.total } : {}),
    ...(p.etaSec !== undefined && Number.isFinite(p.etaSec) ? { etaSec: p.etaSec } : {}),
  };
}

/** The codicon for a run status (ThemeIcon id). */
export function statusIcon(status: RunStatus): string {
  switch (status) {
    case 'running':
      return 'sync~spin';
    case 'completed':
      return 'pass';
    case 'failed':
      return 'error';
    case 'cancelled':
      return 'circle-slash';
  }
}

/** The best metric of a run, as the tree shows it: test accuracy when known, else the best validation point. */
export function bestMetric(m: RunManifest): string {
  if (m.test) return `test acc ${pct(m.test.accuracy)}`;
  if (m.best) return `best val ${m.best.metric} ${m.best.metric === 'loss' ? num(m.best.value) : pct(m.best.value)}`;
  return '';
}

const DEVICE_WORDS: Record<string, string> = { cpu: 'CPU', cuda: 'NVIDIA GPU (CUDA)', webgpu: 'WebGPU' };

interface ExecutionRecord {
  requested?: string;
  device?: string;
  threads?: number;
  reasons?: Record<string, string>;
  fallback?: boolean;
  adapter?: unknown;
}

/**
 * Where a run ran, short ("CPU, 2 threads"), with the details on demand: each accelerator's reason for not being
 * used and the machine. From run.json's config.execution when recorded, else from its one-line device summary
 * ("cpu, 2 threads (cuda: ...; webgpu: ...) · cpu: 2 x AMD EPYC (linux/x64)"); a baseline records the machine only.
 */
export function deviceView(m: Pick<RunManifest, 'device' | 'config'>): { short: string; details?: RunHeader['deviceDetails'] } {
  const line = typeof m.device === 'string' ? m.device : '';
  const exec = (m.config as { execution?: ExecutionRecord } | undefined)?.execution;
  const [head, ...rest] = line.split(' · ');
  // "<device>[ on <adapter> (<vendor>, <driver>)], N threads[ (<reasons>)]"
  const parsed = /^(\w+)(?: on .*?)?, (\d+) threads?(?: \((.*)\))?$/.exec(head);
  const machine = parsed ? rest.join(' · ') || undefined : /^cpu: /.test(line) ? line : undefined;
  const device = exec?.device ?? parsed?.[1] ?? (machine ? 'cpu' : undefined);
  if (!device) return { short: line };
  const threads = typeof exec?.threads === 'number' ? exec.threads : parsed ? Number(parsed[2]) : undefined;
  const adapter =
    typeof exec?.adapter === 'string'
      ? exec.adapter
      : typeof (exec?.adapter as { name?: unknown })?.name === 'string'
        ? (exec!.adapter as { name: string }).name
        : undefined;
  const words = DEVICE_WORDS[device] ?? device;
  const short = device === 'cpu' ? `${words}${threads ? `, ${threads} thread${threads === 1 ? '' : 's'}` : ''}` : `${words}${adapter ? ` (${adapter})` : ''}`;
  const reasons: [string, string][] =
    exec?.reasons && typeof exec.reasons === 'object'
      ? Object.entries(exec.reasons).filter((e): e is [string, string] => typeof e[1] === 'string')
      : (parsed?.[3] ?? '')
          .split(/; (?=[a-z]+: )/)
          .filter(Boolean)
          .map((r): [string, string] => [r.slice(0, r.indexOf(':')), r.slice(r.indexOf(':') + 1).trim()]);
  const lines = reasons.map(([d, r]) => `${DEVICE_WORDS[d] ?? d}: ${r}`);
  if (exec?.requested && exec.requested !== 'auto' && exec.requested !== device)
    lines.unshift(`${DEVICE_WORDS[exec.requested] ?? exec.requested} was asked for and could not be used; the run used the ${words}.`);
  if (machine) lines.push(`Machine: ${machine.replace(/^cpu: /, '')}`);
  if (lines.length === 0) return { short };
  return { short, details: { summary: device === 'cpu' && reasons.length ? 'why not the GPU?' : 'device details', lines } };
}

export function runHeader(dir: string, m: RunManifest): RunHeader {
  const dev = deviceView(m);
  return {
    id: m.id,
    name: runName(m),
    dir,
    kind: kindLabel(m.kind),
    status: m.status,
    model: m.model?.id,
    dataset: m.dataset?.id,
    device: dev.short,
    ...(dev.details ? { deviceDetails: dev.details } : {}),
    // A finished baseline opens on its test metrics; while it runs, its fits are what there is to see.
    opensOn: m.kind.startsWith('baseline') && m.status !== 'running' ? 'metrics' : 'training',
    startedAt: m.startedAt,
    duration: duration(m.durationMs),
    best: m.best
      ? `${m.best.metric} ${m.best.metric === 'loss' ? num(m.best.value) : pct(m.best.value)} at step ${m.best.step} (epoch ${m.best.epoch})`
      : undefined,
    error: m.error,
  };
}

/** The test metrics of a run as label/value rows (empty while it has none). */
export function metricRows(m: RunManifest): MetricRow[] {
  const t = m.test;
  if (!t) return [];
  const rows: MetricRow[] = [
    { label: 'Test accuracy', value: `${pct(t.accuracy)} (95% CI ${pct(t.accuracyCI?.[0])}–${pct(t.accuracyCI?.[1])})`, hint: `${t.n} test examples` },
    { label: 'Macro F1', value: pct(t.macroF1) },
    { label: 'ROC AUC', value: num(t.rocAuc) },
    { label: 'Log loss', value: num(t.logLoss) },
    { label: 'Calibration error (ECE)', value: num(t.ece), hint: 'gap between confidence and accuracy; 0 is perfectly calibrated' },
  ];
  for (const c of t.perClass ?? []) {
    rows.push({ label: `${c.label}: precision / recall / F1`, value: `${pct(c.precision)} / ${pct(c.recall)} / ${pct(c.f1)}`, hint: `${c.support} examples` });
  }
  // The confusion matrix is a table of its own (the run message's confusion).
  return rows;
}

/** One message for the data loader's warnings about `subject` (encoding, duplicates and leakage, label map), or undefined when none. */
export function warningsMessage(subject: string, warnings: readonly string[] | undefined): string | undefined {
  if (!warnings?.length) return undefined;
  return `${subject}: ${warnings.length === 1 ? 'warning' : `${warnings.length} warnings`} about the data: ${warnings.map((w, i) => (warnings.length > 1 ? `(${i + 1}) ${w}` : w)).join(' ')}`;
}
