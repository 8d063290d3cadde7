// "Limits in production" for a fine-tuned run, every figure measured on the run's own test set:
//   - the token limit and what the run's long-text strategy drops (and what reading one window would drop);
//   - domain shift: the out-of-domain accuracy when one was measured, else the command that measures it;
//   - serving: the run exported (src/host/export), batch-1 latency p50/p95 and batch-32 throughput of the fp32 and
//     int8 models through loadExported (tokenizing included), their sizes on disk, and the int8 model's label
//     agreement and accuracy against fp32 on the whole test set;
//   - calibration: expected calibration error and the reliability table of the run's test predictions.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ReliabilityBin } from '../../protocol';
import { pct } from '../../shared/format';
import { calibration } from '../eval';
import { exportRun, int8Check, loadExported, recordExportCheck, type ExportCheck } from '../export';
import { RunFolder } from '../runs';
import { contentBudget, LONG_TEXT_STRATEGIES, type LongTextStrategy, type TextTokenizer } from '../tokenize';
import { encodeSentencePieces, SENTENCE_MEAN } from '../train/docPool';

export type ReadingStrategy = LongTextStrategy | typeof SENTENCE_MEAN;

export interface TruncationStats {
  tokenizer: string;
  /** tokens the model reads in one window (special tokens included) */
  modelLimit: number;
  strategy: ReadingStrategy;
  /** the run's window / piece length */
  maxLength: number;
  n: number;
  meanTokens: number;
  /** share of texts with more content tokens than one window at the model's limit holds */
  longerThanLimit: number;
  /** mean share of a text's tokens the run's strategy never reads */
  droppedShare: number;
  /** the same for reading only the first window at the model's limit (what a plain pipeline call does) */
  firstWindowDroppedShare: number;
}

/** What a long-text strategy drops from `texts`, by their token counts. */
export function truncationStats(
  tok: TextTokenizer,
  texts: readonly string[],
  o: { strategy: ReadingStrategy; maxLength: number; modelLimit: number },
): TruncationStats {
  if (texts.length === 0) throw new Error('truncation statistics need at least one text');
  const budget = contentBudget(tok.specials, o.maxLength);
  const limitBudget = contentBudget(tok.specials, o.modelLimit);
  const specials = tok.specials.prefix.length + tok.specials.suffix.length;
  let tokens = 0,
    longer = 0,
    dropped = 0,
    firstDropped = 0;
  for (const text of texts) {
    const n = tok.encode(text).length;
    tokens += n;
    if (n > limitBudget) longer++;
    if (n > 0) firstDropped += Math.max(0, n - limitBudget) / n;
    let total = n,
      read: number;
    if (o.strategy === SENTENCE_MEAN) {
      // sentences are tokenized one by one; every piece of every sentence is read
      const rows = encodeSentencePieces(tok, [{ text }], o.maxLength);
      read = rows.reduce((a, r) => a + r.ids.length - specials, 0);
      total = read;
    } else if (o.strategy === 'chunks') {
      read = n;
    } else if (LONG_TEXT_STRATEGIES.includes(o.strategy)) {
      read = Math.min(n, budget); // head, tail and head+tail all keep `budget` tokens
    } else {
      throw new Error(`unknown long-text strategy '${String(o.strategy)}'`);
    }
    if (total > 0) dropped += Math.max(0, total - read) / total;
  }
  return {
    tokenizer: tok.name,
    modelLimit: o.modelLimit,
    strategy: o.strategy,
    maxLength: o.maxLength,
    n: texts.length,
    meanTokens: tokens / texts.length,
    longerThanLimit: longer / texts.length,
    droppedShare: dropped / texts.length,
    firstWindowDroppedShare: firstDropped / texts.length,
  };
}

export interface LatencyStats {
  p50Ms: number;
  p95Ms: number;
  throughput32: number;
  bytes: number;
}

export interface ServingStats {
  folder: string;
  threads: number;
  /** texts timed one at a time */
  timed: number;
  fp32: LatencyStats;
  int8?: LatencyStats;
  /** max |probability difference| between the exported fp32 model and the run's own test predictions (timed texts) */
  fp32VsRun: number;
  int8Check?: ExportCheck;
}

export interface DomainShift {
  measured: boolean;
  data?: string;
  n?: number;
  accuracy?: number;
  /** the command that measures it, when it was not measured */
  command?: string;
}

export interface LimitsJson {
  title: string;
  runId: string;
  testAccuracy?: number;
  truncation?: TruncationStats;
  domainShift: DomainShift;
  serving?: ServingStats;
  /** why serving was not measured */
  servingError?: string;
  calibration: { n: number; ece: number; reliability: ReliabilityBin[] };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/**
 * Exports the run to `outDir` and times it: `timed` test texts one by one (after one warm-up), one batch of 32
 * texts, for fp32 and int8. The int8 model then predicts every test text; its labels are compared with the run's
 * (fp32) test predictions, and the result is written into the export folder (gft_export.json, README.md).
 */
export async function measureServing(
  runDir: string,
  outDir: string,
  test: { text: string; label: number; probs: number[] }[],
  o: { timed?: number; threads?: number } = {},
): Promise<ServingStats> {
  const threads = o.threads ?? 2;
  const timed = Math.min(o.timed ?? 30, test.length);
  const res = await exportRun(runDir, outDir, { overwrite: true, check: false }); // checked below, on `test`
  const time = async (precision: 'fp32' | 'int8') => {
    const m = await loadExported(res.dir, { precision, threads, batchSize: 64 });
    try {
      await m.predict([test[0].text]);
      const lat: number[] = [];
      const probs: number[][] = [];
      for (let i = 0; i < timed; i++) {
        const t = performance.now();
        probs.push((await m.predict([test[i].text]))[0]);
        lat.push(performance.now() - t);
      }
      const batch = test.slice(0, 32).map((e) => e.text);
      const t = performance.now();
      await m.predict(batch);
      const throughput32 = batch.length / ((performance.now() - t) / 1000);
      const file = precision === 'int8' ? res.manifest.files.int8! : res.manifest.files.fp32;
      const stats: LatencyStats = { p50Ms: quantile(lat, 0.5), p95Ms: quantile(lat, 0.95), throughput32, bytes: statSync(join(res.dir, file)).size };
      const all = precision === 'int8' ? await m.predict(test.map((e) => e.text)) : undefined;
      return { stats, probs, all };
    } finally {
      await m.dispose();
    }
  };
  const f = await time('fp32');
  const fp32VsRun = Math.max(...f.probs.map((r, i) => Math.max(...r.map((v, c) => Math.abs(v - test[i].probs[c])))));
  if (!res.manifest.files.int8) return { folder: res.dir, threads, timed, fp32: f.stats, fp32VsRun };
  const q = await time('int8');
  const check = int8Check(q.all!, test);
  recordExportCheck(res.dir, check);
  return { folder: res.dir, threads, timed, fp32: f.stats, int8: q.stats, fp32VsRun, int8Check: check };
}

export interface LimitsOptions {
  title: string;
  runDir: string;
  /** test texts by example id (the run's predictions.jsonl names them) */
  texts: Map<string, string>;
  tokenizer?: TextTokenizer;
  /** tokens per window of the model (USE Lite: 128) */
  modelLimit?: number;
  /** where to export the run for the serving measurements; without it, serving is not measured */
  exportDir?: string;
  timed?: number;
  threads?: number;
  /** an out-of-domain evaluation of this run, when one was made */
  outOfDomain?: { data: string; n: number; accuracy: number };
}

export async function buildLimits(o: LimitsOptions): Promise<LimitsJson> {
  const run = RunFolder.open(o.runDir);
  const m = run.manifest;
  const preds = run.readPredictions().filter((p) => (p.split ?? 'test') === 'test');
  if (preds.length === 0) throw new Error(`run ${m.id} has no test predictions; limits are measured on the test set`);
  const texts = preds.map((p) => {
    const t = o.texts.get(p.id);
    if (t === undefined) throw new Error(`test example ${p.id} of run ${m.id} is not among the given texts`);
    return t;
  });
  const cfg = m.config as { longText?: string; evalLongText?: string; maxLength?: number };
  const strategy = (cfg.evalLongText ?? cfg.longText ?? 'head') as ReadingStrategy;
  const cal = calibration(
    preds.map((p) => p.label),
    preds.map((p) => p.probs),
  );
  const out: LimitsJson = {
    title: o.title,
    runId: m.id,
    testAccuracy: m.test?.accuracy,
    domainShift: o.outOfDomain
      ? { measured: true, ...o.outOfDomain }
      : {
          measured: false,
          command: `gft eval --run ${o.runDir} --data <labelled texts from another domain> [--text-column C] [--label-column C] [--label-map ${(m.dataset?.labels ?? ['label']).map((l) => `<their label>=${l}`).join(',')}]`,
        },
    calibration: { n: preds.length, ece: cal.ece, reliability: cal.reliability },
  };
  if (o.tokenizer) {
    const maxLength = Math.min(cfg.maxLength ?? o.tokenizer.modelMaxLength, o.tokenizer.modelMaxLength);
    out.truncation = truncationStats(o.tokenizer, texts, { strategy, maxLength, modelLimit: o.modelLimit ?? o.tokenizer.modelMaxLength });
  }
  if (o.exportDir) {
    try {
      out.serving = await measureServing(
        o.runDir,
        o.exportDir,
        preds.map((p, i) => ({ text: texts[i], label: p.label, probs: p.probs })),
        { timed: o.timed, threads: o.threads },
      );
    } catch (err) {
      out.servingError = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
  }
  return out;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** `everyModelBelow`: the report has a domain-shift section of its own with every model (./domainShift.ts). */
export function limitsMarkdown(l: LimitsJson, everyModelBelow = false): string[] {
  const lines: string[] = [
    '## Limits in production',
    '',
    `Measured on the test set of **${l.title}** (run \`${l.runId}\`${l.testAccuracy === undefined ? '' : `, test accuracy ${pct(l.testAccuracy)}`}).`,
    '',
  ];
  lines.push('### Token limit and truncation', '');
  const t = l.truncation;
  if (t) {
    const reads =
      t.strategy === SENTENCE_MEAN
        ? `sentence by sentence (pieces of at most ${t.maxLength} tokens, the head reading the mean of the sentence embeddings)`
        : t.strategy === 'chunks'
          ? `in windows of ${t.maxLength} tokens, averaging their logits`
          : `one window of ${t.maxLength} tokens (${t.strategy})`;
    lines.push(
      `The model reads at most **${t.modelLimit} tokens** per window. Test reviews average ${t.meanTokens.toFixed(0)} tokens; **${pct(t.longerThanLimit)}** of the ${t.n} are longer than one window. ` +
        `This run reads each review ${reads}, which drops on average **${pct(t.droppedShare)}** of a review's tokens; reading only the first window (one call of a plain text-classification pipeline) would drop ${pct(t.firstWindowDroppedShare)}.`,
      '',
    );
  } else {
    lines.push('Not measured (no tokenizer was given).', '');
  }
  lines.push('### Domain shift', '');
  if (l.domainShift.measured) {
    lines.push(
      `Out-of-domain accuracy on ${l.domainShift.data} (${l.domainShift.n} texts): **${pct(l.domainShift.accuracy ?? NaN)}**${l.testAccuracy === undefined ? '' : ` vs ${pct(l.testAccuracy)} in domain`}.${everyModelBelow ? ' Every model, with CIs and paired tests: section "Domain shift" below.' : ''}`,
      '',
    );
  } else {
    lines.push(
      `Not measured: every figure here is on movie reviews like the training ones, and accuracy on other text (product reviews, tweets, another decade's slang) is unknown. Measure it with a labelled file from the new domain: \`${l.domainShift.command}\`.`,
      '',
    );
  }
  lines.push('### Serving cost', '');
  const s = l.serving;
  if (s) {
    lines.push(
      `The run exported to \`${s.folder}\` and run through onnxruntime-node (${s.threads} threads, tokenizing included, ${s.timed} test reviews timed one at a time; the exported fp32 model matches the run's own test probabilities within ${s.fp32VsRun.toExponential(1)}).`,
      '',
    );
    lines.push('| Precision | Size on disk | Latency p50, batch 1 | p95, batch 1 | Throughput, batch 32 |', '|---|---|---|---|---|');
    for (const [name, x] of [
      ['fp32', s.fp32],
      ['int8', s.int8],
    ] as const) {
      if (x) lines.push(`| ${name} | ${mib(x.bytes)} | ${x.p50Ms.toFixed(0)} ms | ${x.p95Ms.toFixed(0)} ms | ${x.throughput32.toFixed(1)} reviews/s |`);
    }
    lines.push('');
    const c = s.int8Check;
    if (c)
      lines.push(
        `int8 vs fp32 on all ${c.n} test reviews: same label for **${pct(c.agreement)}**; accuracy ${pct(c.accuracyFp32)} (fp32) → ${pct(c.accuracyInt8)} (int8), a change of ${((c.accuracyInt8 - c.accuracyFp32) * 100).toFixed(1)} points.`,
        '',
      );
  } else {
    lines.push(`Not measured${l.servingError ? `: ${l.servingError}` : ''}.`, '');
  }
  lines.push('### Calibration', '');
  lines.push(
    `Expected calibration error **${l.calibration.ece.toFixed(3)}** over ${l.calibration.n} test reviews (10 confidence bins; 0 = the stated confidence matches the accuracy).`,
    '',
  );
  lines.push('| Confidence | Reviews | Mean confidence | Accuracy |', '|---|---|---|---|');
  for (const b of l.calibration.reliability) {
    if (b.count) lines.push(`| ${b.lo.toFixed(1)}–${b.hi.toFixed(1)} | ${b.count} | ${pct(b.confidence)} | ${pct(b.accuracy)} |`);
  }
  lines.push('');
  return lines;
}
