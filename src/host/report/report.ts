// The comparison report of several runs on one test set: accuracies with CIs, the significance of each
// pairwise difference, time taken, device, each model's most confidently wrong examples, and (when measured) the
// fine-tuned model's limits in production (./limits.ts).
import type { Comparison, RunManifest } from '../../protocol';
import { compareRuns } from '../jobs/compare';
import { RunFolder } from '../runs';
import { limitsMarkdown, type LimitsJson } from './limits';
import { domainShiftMarkdown, type DomainShiftJson } from './domainShift';
import { decimalDuration, pct } from '../../shared/format';

export interface ReportRun {
  title: string;
  runDir: string;
}

export interface ConfidentlyWrong {
  id: string;
  label: string;
  pred: string;
  confidence: number;
  excerpt: string;
}

export interface ReportJson {
  createdAt: string;
  dataset?: RunManifest['dataset'];
  device: string;
  models: {
    title: string;
    runId: string;
    kind: string;
    status: string;
    accuracy?: number;
    accuracyCI?: [number, number];
    macroF1?: number;
    rocAuc?: number | null;
    ece?: number;
    durationMs?: number;
    error?: string;
    confidentlyWrong: ConfidentlyWrong[];
  }[];
  comparisons: ({ a: string; b: string } & Comparison)[];
  limits?: LimitsJson;
  /** every model on out-of-domain data (./domainShift.ts), when measured */
  domainShift?: DomainShiftJson;
  notes: string[];
}

function excerpt(text: string, n = 220): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= n ? t : t.slice(0, n - 1) + '…';
}

export function buildReport(
  runs: ReportRun[],
  texts: Map<string, string>,
  notes: string[] = [],
  limits?: LimitsJson,
  domainShift?: DomainShiftJson,
): ReportJson {
  const loaded = runs.map((r) => ({ ...r, run: RunFolder.open(r.runDir) }));
  const models = loaded.map(({ title, run }) => {
    const m = run.manifest;
    const labels = m.dataset?.labels ?? m.test?.labels ?? [];
    const wrong = run
      .readPredictions()
      .filter((p) => p.pred !== p.label)
      .map((p) => ({ p, confidence: p.probs[p.pred] }))
      .sort((a, b) => b.confidence - a.confidence)
      .slice(0, 3)
      .map(({ p, confidence }) => ({
        id: p.id,
        label: labels[p.label] ?? String(p.label),
        pred: labels[p.pred] ?? String(p.pred),
        confidence,
        excerpt: excerpt(texts.get(p.id) ?? ''),
      }));
    return {
      title,
      runId: m.id,
      kind: m.kind,
      status: m.status,
      accuracy: m.test?.accuracy,
      accuracyCI: m.test?.accuracyCI,
      macroF1: m.test?.macroF1,
      rocAuc: m.test?.rocAuc,
      ece: m.test?.ece,
      durationMs: m.durationMs,
      error: m.error,
      confidentlyWrong: wrong,
    };
  });
  const done = loaded.filter((r) => r.run.manifest.status === 'completed');
  const comparisons: ReportJson['comparisons'] = [];
  for (let i = 0; i < done.length; i++) {
    for (let j = i + 1; j < done.length; j++) comparisons.push({ a: done[i].title, b: done[j].title, ...compareRuns(done[i].runDir, done[j].runDir, 1) });
  }
  const first = loaded[0]?.run.manifest;
  return {
    createdAt: new Date().toISOString(),
    dataset: first?.dataset,
    device: first?.device ?? 'unknown',
    models,
    comparisons,
    ...(limits ? { limits } : {}),
    ...(domainShift ? { domainShift } : {}),
    notes,
  };
}

export function reportMarkdown(r: ReportJson): string {
  const lines: string[] = [];
  lines.push('# Movie reviews: fine-tuning vs baselines', '');
  if (r.dataset) {
    const s = r.dataset.sizes ?? {};
    lines.push(
      `Dataset **${r.dataset.id}** (labels ${r.dataset.labels.join(', ')}): train ${s.train ?? '–'}, validation ${s.validation ?? '–'}, test ${s.test ?? '–'}; dataset hash \`${r.dataset.hash.slice(0, 12)}\`, split hash \`${(r.dataset.splitHash ?? '').slice(0, 12)}\`.`,
      '',
    );
  }
  lines.push(`Device: ${r.device}. Report made ${r.createdAt}.`, '');
  lines.push(
    '## Test accuracy',
    '',
    '| Model | Status | Accuracy | 95% CI (bootstrap) | Macro F1 | ROC-AUC | ECE | Time |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const m of r.models) {
    const ci = m.accuracyCI ? `${pct(m.accuracyCI[0])} – ${pct(m.accuracyCI[1])}` : '–';
    lines.push(
      `| ${m.title} | ${m.status}${m.error ? ` (${m.error})` : ''} | ${pct(m.accuracy)} | ${ci} | ${m.macroF1?.toFixed(3) ?? '–'} | ${m.rocAuc?.toFixed(3) ?? '–'} | ${m.ece?.toFixed(3) ?? '–'} | ${decimalDuration(m.durationMs)} |`,
    );
  }
  lines.push('');
  if (r.comparisons.length) {
    lines.push(
      '## Are the differences real?',
      '',
      "Paired on the same test reviews: the difference B − A with a paired bootstrap 95% CI, and McNemar's exact test on the reviews where exactly one model is right.",
      '',
    );
    lines.push('| A | B | B − A | 95% CI | only A right | only B right | McNemar p | Verdict |', '|---|---|---|---|---|---|---|---|');
    for (const c of r.comparisons) {
      const verdict = c.mcnemarP < 0.05 ? (c.difference > 0 ? 'B better (p < 0.05)' : 'A better (p < 0.05)') : 'no significant difference';
      lines.push(
        `| ${c.a} | ${c.b} | ${pct(c.difference)} | ${pct(c.differenceCI[0])} – ${pct(c.differenceCI[1])} | ${c.onlyACorrect} | ${c.onlyBCorrect} | ${c.mcnemarP.toPrecision(3)} | ${verdict} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Most confidently wrong reviews', '');
  for (const m of r.models) {
    if (!m.confidentlyWrong.length) continue;
    lines.push(`### ${m.title}`, '');
    for (const w of m.confidentlyWrong) lines.push(`- \`${w.id}\` — true **${w.label}**, predicted **${w.pred}** with ${pct(w.confidence)}: “${w.excerpt}”`);
    lines.push('');
  }
  if (r.limits) lines.push(...limitsMarkdown(r.limits, r.domainShift !== undefined));
  if (r.domainShift) lines.push(...domainShiftMarkdown(r.domainShift));
  if (r.notes.length) lines.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
