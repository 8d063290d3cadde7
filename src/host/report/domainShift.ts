// The report's domain-shift section: every completed run of the report evaluated on out-of-domain data (by
// default the built-in rt-polarity snippets, ~20 words each, against movie reviews of ~700), with bootstrap CIs,
// the drop from its in-domain test accuracy, paired tests between the models on the same snippets, and which
// model transfers best.
import type { Comparison } from '../../protocol';
import { comparePredictions } from '../eval';
import { evaluateRun, PredictionMemo } from '../jobs/predict';
import { RunFolder } from '../runs';
import { listText, pct } from '../../shared/format';
import type { ReportRun } from './report';

/** in-domain minus out-of-domain accuracy, in percentage points */
function dropPoints(inDomain: number, outOfDomain: number): string {
  return `${(100 * (inDomain - outOfDomain)).toFixed(1)} points`;
}

export const DEFAULT_OUT_OF_DOMAIN = 'builtin:rt-polarity';

export interface DomainShiftJson {
  /** the data spec evaluated, e.g. builtin:rt-polarity */
  data: string;
  n: number;
  models: {
    title: string;
    runId: string;
    kind: string;
    inDomain?: number;
    accuracy?: number;
    accuracyCI?: [number, number];
    error?: string;
    durationMs?: number;
  }[];
  comparisons: ({ a: string; b: string } & Comparison)[];
}

/** Evaluates each completed run on `data` (all of it) and pairs them on the same examples. A run that fails is recorded with its error. */
export async function measureDomainShift(
  runs: ReportRun[],
  data = DEFAULT_OUT_OF_DOMAIN,
  seed = 1,
  say: (line: string) => void = () => undefined,
): Promise<DomainShiftJson> {
  const models: DomainShiftJson['models'] = [];
  const preds = new Map<string, Awaited<ReturnType<typeof evaluateRun>>['predictions']>();
  let n = 0;
  // an ensemble's members were evaluated on the same texts just before (the demo lists them first)
  const memo = new PredictionMemo();
  for (const r of runs) {
    const m = RunFolder.open(r.runDir).manifest;
    if (m.status !== 'completed') continue;
    const t0 = Date.now();
    try {
      const ev = await evaluateRun(r.runDir, data, seed, {}, memo);
      n = ev.n;
      preds.set(r.title, ev.predictions);
      models.push({
        title: r.title,
        runId: m.id,
        kind: m.kind,
        inDomain: m.test?.accuracy,
        accuracy: ev.accuracy,
        accuracyCI: ev.accuracyCI,
        durationMs: Date.now() - t0,
      });
      say(`   ${r.title}: ${pct(ev.accuracy)} on ${ev.n} texts in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      const error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      models.push({ title: r.title, runId: m.id, kind: m.kind, inDomain: m.test?.accuracy, error });
      say(`   ${r.title}: not measured (${error})`);
    }
  }
  const done = models.filter((m) => m.accuracy !== undefined);
  const comparisons: DomainShiftJson['comparisons'] = [];
  for (let i = 0; i < done.length; i++) {
    for (let j = i + 1; j < done.length; j++) {
      comparisons.push({ a: done[i].title, b: done[j].title, ...comparePredictions(preds.get(done[i].title)!, preds.get(done[j].title)!, seed) });
    }
  }
  return { data, n, models, comparisons };
}

/** Which model transfers best, and why, from the measured figures: a sentence or two for the report and reflection. */
export function transferVerdict(d: DomainShiftJson): string | undefined {
  const done = d.models.filter((m) => m.accuracy !== undefined);
  if (done.length < 2) return undefined;
  const best = done.reduce((a, b) => (b.accuracy! > a.accuracy! ? b : a));
  const drops = done.filter((m) => m.inDomain !== undefined).map((m) => `${m.title} ${dropPoints(m.inDomain!, m.accuracy!)}`);
  const vsOthers = d.comparisons.filter((c) => c.a === best.title || c.b === best.title);
  const sig = vsOthers.filter((c) => c.mcnemarP < 0.05).map((c) => (c.a === best.title ? c.b : c.a));
  const tied = vsOthers.filter((c) => c.mcnemarP >= 0.05).map((c) => (c.a === best.title ? c.b : c.a));
  const clear = sig.length === vsOthers.length;
  const leastDrop = done
    .filter((m) => m.inDomain !== undefined)
    .reduce<(typeof done)[number] | undefined>((a, b) => (a === undefined || b.inDomain! - b.accuracy! < a.inDomain! - a.accuracy! ? b : a), undefined);
  const claim = clear
    ? `**${best.title}** transfers best (${pct(best.accuracy)}), significantly above ${listText(sig)} (McNemar p < 0.05)`
    : `No model transfers significantly better: **${best.title}** scores highest (${pct(best.accuracy)}), but not significantly above ${listText(tied)} (McNemar p ≥ 0.05)${sig.length ? `; it is significantly above ${listText(sig)}` : ''}`;
  const dropNote = `Drop from the in-domain test accuracy: ${drops.join(', ')}${leastDrop && done.length > 1 ? ` (${leastDrop.title} loses least)` : ''}.`;
  const snippets =
    'The snippets are one or two sentences of ~20 words, the training reviews ~700 words of ~32 sentences, where a model can sum many weak cues; on a snippet a few words decide.';
  const tfidf =
    'TF-IDF keeps its weights for the sentiment words ("brilliant", "dull") a snippet is made of, but has none for the words it never met in the training reviews';
  const emb =
    'the embedding models read a snippet with an encoder pre-trained on general sentences, as they read each sentence of a review, but their classifier was fit to the mean of ~32 sentence embeddings and sees one noisier sentence';
  const why = clear
    ? `Why: ${snippets} ${
        best.kind === 'baseline-tfidf' || best.kind === 'baseline-nbsvm'
          ? `The likely reason ${best.kind === 'baseline-tfidf' ? 'TF-IDF' : 'NBSVM, an n-gram model like TF-IDF,'} holds up best: ${tfidf}, while ${emb}.`
          : best.kind === 'ensemble'
            ? `The likely reason the ensemble holds up best: it averages models that fail for different reasons — ${tfidf}; ${emb}.`
            : `The likely reason ${best.title} holds up best: ${emb.split(', but')[0]}; ${tfidf}.`
      }`
    : `Why: ${snippets} Both kinds lose for their own reason — ${tfidf}; ${emb}.`;
  return `${claim}. ${dropNote} ${why}`;
}

export function domainShiftMarkdown(d: DomainShiftJson): string[] {
  const lines = ['## Domain shift', ''];
  lines.push(
    `Every model evaluated on **${d.data}** (${d.n} texts, all of them): short Rotten Tomatoes snippets (~20 words) instead of full reviews (~700 words). Bootstrap 95% CIs; paired tests on the same snippets.`,
    '',
  );
  lines.push('| Model | In-domain test | Out of domain | 95% CI | Drop |', '|---|---|---|---|---|');
  for (const m of d.models) {
    if (m.accuracy === undefined) {
      lines.push(`| ${m.title} | ${pct(m.inDomain)} | not measured (${m.error ?? 'failed'}) | – | – |`);
      continue;
    }
    const drop = m.inDomain === undefined ? '–' : dropPoints(m.inDomain, m.accuracy);
    lines.push(`| ${m.title} | ${pct(m.inDomain)} | ${pct(m.accuracy)} | ${pct(m.accuracyCI?.[0])} – ${pct(m.accuracyCI?.[1])} | ${drop} |`);
  }
  lines.push('');
  if (d.comparisons.length) {
    lines.push('| A | B | B − A | 95% CI | only A right | only B right | McNemar p | Verdict |', '|---|---|---|---|---|---|---|---|');
    for (const c of d.comparisons) {
      const verdict = c.mcnemarP < 0.05 ? (c.difference > 0 ? 'B better (p < 0.05)' : 'A better (p < 0.05)') : 'no significant difference';
      lines.push(
        `| ${c.a} | ${c.b} | ${pct(c.difference)} | ${pct(c.differenceCI[0])} – ${pct(c.differenceCI[1])} | ${c.onlyACorrect} | ${c.onlyBCorrect} | ${c.mcnemarP.toPrecision(3)} | ${verdict} |`,
      );
    }
    lines.push('');
  }
  const v = transferVerdict(d);
  if (v) lines.push(v, '');
  return lines;
}
