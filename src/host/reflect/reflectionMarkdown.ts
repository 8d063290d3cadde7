// The reflection's wording: the facts of reflection.ts (buildReflection) written out as Markdown, with the settings and
// commands named as the place the reader uses them (the form and commands, or the CLI).
import { settingName, type SettingsPlace } from '../../protocol';
import { has, type Truncation } from './facts';
import { excerpt, formatP } from './patterns';
import { listText, pct, points } from '../../shared/format';
import { transferVerdict } from '../report/domainShift';
import type { ReflectionFacts, RunFacts } from './reflection';

const pts = (x: number) => `${points(x)} points`;
const ci = (c: [number, number]) => `${pct(c[0])} – ${pct(c[1])}`;
const mib = (b: number) => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

/** One sentence on a paired comparison: the difference, its CI, McNemar, and whether it is significant. */
export function comparisonSentence(c: ReflectionFacts['comparisons'][number]): string {
  const sig = c.mcnemarP < 0.05;
  const verdict = sig
    ? `significant at the 5% level: **${c.difference > 0 ? c.b : c.a} is better**`
    : '**not significant** at the 5% level: on this test set the two cannot be told apart';
  const ciNote = sig === (c.differenceCI[0] > 0 || c.differenceCI[1] < 0) ? '' : ' (the bootstrap CI and McNemar disagree at the edge; treat it as borderline)';
  return (
    `${c.b} vs ${c.a}: ${pct(c.accuracyB)} vs ${pct(c.accuracyA)}, difference ${pts(c.difference)} (paired bootstrap 95% CI ${pts(c.differenceCI[0])} to ${pts(c.differenceCI[1])}); ` +
    `McNemar exact ${formatP(c.mcnemarP)} on ${c.onlyBCorrect + c.onlyACorrect} reviews where exactly one is right (${c.onlyBCorrect} only ${c.b}, ${c.onlyACorrect} only ${c.a}) — ${verdict}${ciNote}.`
  );
}

/** Settings and commands as the place the reflection is read names them (the form and commands, or the CLI). */
export function wording(place: SettingsPlace, runsRoot: string) {
  const form = place === 'form';
  return {
    longText: (v: string) => settingName(place, 'longText', v),
    epochs: (n: number) => settingName(place, 'epochs', n),
    /** How to get more validation points, from what the run recorded (the form has no evaluation-interval field). */
    evalMore: (f: RunFacts) => {
      if (!form) return 'evaluate more often (`--eval-every N`)';
      const epochs = f.config.epochs ?? 1;
      if (typeof f.config.evalEvery === 'number') return `train longer (“Epochs: ${epochs + 2}”): this run evaluated every ${f.config.evalEvery} steps`;
      if (f.config.evalEvery === 'epoch')
        return `train for more epochs (“Epochs: ${Math.max(3, epochs + 2)}”): this run evaluated on the validation split once per epoch`;
      // 'auto' (or not recorded): the schedule spreads a few evaluations over the run; a short run has room for fewer
      const steps = f.curve?.steps ?? 0;
      const points = f.curve?.points.length ?? 0;
      return `train longer (“Epochs: ${epochs + 2}”): this run's ${steps} step${steps === 1 ? '' : 's'} had room for ${points} validation evaluation${points === 1 ? '' : 's'}`;
    },
    runBaseline: form
      ? '**Run Baseline** (TF-IDF) on the same dataset and split'
      : '`gft baseline --kind tfidf --data builtin:movie-reviews` with the same split settings',
    runFineTune: form
      ? '**Fine-Tune a Model** on the same dataset and split'
      : '`gft train --model starter --data builtin:movie-reviews` (with the same split settings as the other runs)',
    passData: form
      ? 'Keep the dataset the runs used in the Datasets view and write the reflection again'
      : `Pass the data the runs used: \`gft reflect --runs ${runsRoot} --data PATH\` (or \`--train FILE --eval FILE\`)`,
    passDataShort: form ? 'keep the dataset the runs used in the Datasets view' : `pass the data: \`gft reflect --runs ${runsRoot} --data PATH\``,
    again: form ? 'write the reflection again' : 'run `gft reflect` again',
    predict: (dir: string) =>
      form ? '**Try the Model on a Text** uses the same predictor' : `\`gft predict --run ${dir} --text "..."\` uses the same predictor`,
    outOfDomain: form
      ? 'add reviews from another source in the Datasets view and pick it when writing the reflection, or use **Evaluate on Another Dataset** on a run'
      : `evaluate on reviews from another source with \`gft eval --run DIR --data PATH\`, or \`gft reflect --runs ${runsRoot} --ood PATH\` to put it in this table`,
  };
}
type Wording = ReturnType<typeof wording>;

function curveSentence(f: RunFacts, w: Wording): string {
  const c = f.curve!;
  if (c.points.length === 0)
    return `${f.title}: no validation evaluations were recorded, so there is no learning curve; train with a validation split and ${w.evalMore(f)}.`;
  const series = c.points.map((p) => `${p.loss.toFixed(3)} (step ${p.step})`).join(', ');
  const train =
    c.trainLossStart !== undefined
      ? ` Training loss went from ${c.trainLossStart.toFixed(3)} (first tenth of ${c.steps} steps) to ${c.trainLossEnd!.toFixed(3)} (last tenth).`
      : '';
  let reading: string;
  if (c.points.length < 2) reading = `Only one validation point: whether more training would help cannot be read from it; ${w.evalMore(f)}.`;
  else if (c.stillFalling)
    reading = `Validation loss was **still falling** at the last evaluation: more epochs (${w.epochs((f.config.epochs ?? 1) + 2)}) would likely help.`;
  else if (c.minLossStep !== undefined && c.minLossStep < c.points.at(-1)!.step)
    reading = `Validation loss was lowest at step ${c.minLossStep} and **rose afterwards** (over-fitting)${c.bestStep !== undefined ? `; the model kept is the best checkpoint (step ${c.bestStep})` : ''}. More epochs would not help; more data, a lower learning rate or more regularisation might.`;
  else reading = 'Validation loss stopped falling at the end: training further is unlikely to help much.';
  return `${f.title}: validation loss ${series}.${train} ${reading}`;
}

/** What a run's strategy reads of the test reviews, in one sentence (the facts of measureTruncation). */
export function truncationSentence(title: string, t: Truncation): string {
  const longer = `${pct(t.longerShare)} of the ${t.reviews} test reviews are longer than one ${t.maxLength}-token window (mean ${t.meanTokens.toFixed(0)} tokens)`;
  if (t.longText === 'chunks')
    return `${title}: ${longer}; it reads every window and averages them, so no token goes unread (one window alone would drop ${pct(t.oneWindowDroppedShare)} of a review's tokens).`;
  if (t.longText === 'sentence-mean')
    return `${title}: ${longer}; it reads every sentence (in pieces of at most ${t.maxLength} tokens), so no token goes unread (one window alone would drop ${pct(t.oneWindowDroppedShare)} of a review's tokens).`;
  return `${title}: ${longer}; with the ${t.longText} strategy it reads one window, which leaves on average ${pct(t.droppedShare)} of a review's tokens unread.`;
}

export function reflectionMarkdown(r: ReflectionFacts): string {
  const L: string[] = [];
  const w = wording(r.settingsPlace ?? 'cli', r.runsRoot);
  const ds = r.dataset;
  L.push(`# Reflection${ds ? `: ${ds.id}` : ''}`, '');
  L.push(
    `Written from the run folders in \`${r.runsRoot}\` on ${r.createdAt}. Every number below comes from those runs (run.json, metrics.jsonl, predictions.jsonl) or was measured on this machine with the runs' own models and data; nothing is filled in by hand.`,
    '',
  );
  if (!r.runs.length) {
    L.push(
      r.settingsPlace === 'form'
        ? '**No completed runs with test predictions were found**, so there is nothing to reflect on yet. Run a baseline (**Run Baseline**) and a fine-tuning run (**Fine-Tune a Model**) on the same dataset first.'
        : '**No completed runs with test predictions were found**, so there is nothing to reflect on yet. Run a baseline and a fine-tuning run on the same data first, e.g. `gft baseline --kind tfidf --data builtin:movie-reviews` and `gft train --model starter --data builtin:movie-reviews`.',
      '',
    );
    appendExcluded(L, r);
    return L.join('\n');
  }
  if (ds) {
    const s = ds.sizes ?? {};
    L.push(
      `Test split: split hash \`${r.splitHash.slice(0, 12)}\` (dataset hash \`${ds.hash.slice(0, 12)}\`), labels ${ds.labels.join(', ')}; train ${s.train ?? '?'}, validation ${s.validation ?? '?'}, test ${s.test ?? '?'} examples. Only runs tested on exactly this split are compared.`,
      '',
    );
  }
  L.push('| Run | Model | Test accuracy | 95% CI (bootstrap) | Macro F1 | ECE | Reads | Run id |', '|---|---|---:|---|---:|---:|---|---|');
  for (const f of r.runs)
    L.push(
      `| ${f.title} | ${f.model ?? '–'} | ${pct(f.test.accuracy)} | ${ci(f.test.accuracyCI)} | ${f.test.macroF1.toFixed(3)} | ${f.test.ece.toFixed(3)} | ${f.reads} | \`${f.id}\` |`,
    );
  L.push('');
  appendExcluded(L, r);

  // (a)
  L.push('## 1. Did fine-tuning beat the earlier models, and why?', '');
  const tuned = r.runs.filter((f) => f.kind === 'finetune');
  if (!tuned.length)
    L.push(
      `There is **no completed fine-tuning run** on this split, so the question cannot be answered yet; run ${w.runFineTune}. The comparisons below are between the runs that exist.`,
      '',
    );
  else if (!r.comparisons.length) L.push(`There is **no earlier model** (baseline) on this split to compare with; run ${w.runBaseline}.`, '');
  for (const t of tuned) {
    const mine = r.comparisons.filter((c) => c.bId === t.id);
    if (!mine.length) continue;
    const better = mine.filter((c) => c.mcnemarP < 0.05 && c.difference > 0).map((c) => c.a);
    const worse = mine.filter((c) => c.mcnemarP < 0.05 && c.difference < 0).map((c) => c.a);
    const tied = mine.filter((c) => c.mcnemarP >= 0.05).map((c) => c.a);
    const parts = [
      better.length ? `significantly better than ${listText(better)}` : '',
      worse.length ? `significantly worse than ${listText(worse)}` : '',
      tied.length ? `not significantly different from ${listText(tied)}` : '',
    ].filter(Boolean);
    L.push(`**Answer for ${t.title}: ${better.length === mine.length ? 'yes' : better.length ? 'partly' : 'no'}** — it is ${parts.join('; ')}.`, '');
  }
  if (r.comparisons.length) {
    L.push('Paired on the same test reviews (difference = second − first):', '');
    for (const c of r.comparisons) L.push(`- ${comparisonSentence(c)}`);
    L.push('');
  }
  L.push('Why — what the numbers show:', '');
  for (const f of r.runs) L.push(`- ${f.title} reads ${f.reads}.`);
  for (const f of r.runs) {
    if (has(f.truncation)) L.push(`- ${truncationSentence(f.title, f.truncation)}`);
  }
  for (const c of r.comparisons)
    if (c.fixed.length + c.broken.length)
      L.push(`- ${c.b} got ${c.fixed.length} reviews right that ${c.a} got wrong, and ${c.broken.length} wrong that ${c.a} got right.`);
  L.push('');
  appendLengthTable(L, r.runs);
  if (has(r.texts)) {
    L.push(
      `Error patterns (test texts from ${r.texts.source}; each pattern checked with Fisher's exact test, Holm-adjusted over the ${r.runs[0]?.patterns?.tests.length ?? 0} patterns of a run, stated only when p < 0.05):`,
      '',
    );
    for (const f of r.runs) {
      if (!f.patterns) continue;
      const p = f.patterns;
      L.push(`### ${f.title}: ${p.errors} mistakes in ${p.n} test reviews`, '');
      L.push(
        `Error rate by length (word-count quarters): ${p.lengthBuckets.map((b) => `${b.minWords}–${b.maxWords} words ${pct(b.errorRate)} (${b.errors}/${b.n})`).join('; ')}.`,
        '',
      );
      for (const t of p.tests) L.push(`- ${t.sentence}`);
      if (p.confidentlyWrong.length) {
        L.push('', 'Most confidently wrong:', '');
        for (const w of p.confidentlyWrong)
          L.push(`- \`${w.id}\` (${w.words} words) — true **${w.label}**, predicted **${w.pred}** with ${pct(w.confidence)}: “${excerpt(w.excerpt, 160)}”`);
      }
      L.push('');
    }
  } else {
    L.push(`Error patterns: not analysed — ${r.texts.missing}. ${w.passData}.`, '');
  }

  // (b)
  L.push('## 2. What would make it better?', '');
  const better: string[] = [];
  for (const f of r.runs) {
    if (f.truncation === undefined) continue;
    if (has(f.truncation)) {
      const t = f.truncation;
      if (!t.readsWholeText && t.longerShare > 0.1) {
        const tries =
          t.longText === 'head'
            ? `${w.longText('chunks')} (every window, predictions averaged) or ${w.longText('head+tail')} (the ending often holds the verdict)`
            : `${w.longText('chunks')} (every window, predictions averaged)`;
        better.push(
          `**Read more of each review.** ${f.title} reads one ${t.maxLength}-token window (${t.longText} strategy): ${pct(t.longerShare)} of the test reviews are longer, and on average ${pct(t.droppedShare)} of a review's tokens go unread. Try ${tries}.`,
        );
      } else if (t.readsWholeText) {
        better.push(
          `${f.title} already reads whole reviews (${w.longText(t.longText)}; ${pct(t.longerShare)} of the test reviews need more than one ${t.maxLength}-token ${t.longText === 'chunks' ? 'window' : 'piece'}); ${t.longText === 'chunks' ? 'a longer window' : 'longer pieces'} or a model with a larger limit would give each part more context.`,
        );
      }
    } else
      better.push(
        `${f.title}: the share of reviews cut at its token limit is not measured — ${f.truncation.missing}; ${f.truncation.missing.startsWith('the test texts') ? w.passDataShort : `make the run's model folder (or its hub cache) available on this machine and ${w.again}`}.`,
      );
  }
  for (const f of r.runs) if (f.curve) better.push(curveSentence(f, w));
  for (const f of r.runs) {
    if (f.kind !== 'finetune' || !f.patterns) continue;
    const wholeText = has(f.truncation) ? f.truncation.readsWholeText : f.config.longText === 'chunks' || f.config.longText === 'sentence-mean';
    for (const t of f.patterns.tests.filter((x) => x.supported && x.difference > 0)) {
      const hint: Record<string, string> = {
        length: wholeText
          ? 'long reviews are harder even though it reads all of each review: a model that relates more of the text at once (longer windows, a larger model) would help'
          : `long reviews are harder: reading the whole text (${w.longText('chunks')}) matters most for them`,
        negation: 'negation-heavy reviews are harder: more training data with negation, or a larger model, would help',
        mixed: wholeText
          ? 'reviews that argue both ways are harder: the verdict sentence matters, and an average over the whole review dilutes it'
          : `reviews that argue both ways are harder: the verdict sentence matters; ${w.longText('head+tail')} or ${w.longText('chunks')} helps find it`,
        contrast: wholeText
          ? 'reviews that turn with a late "but" are harder: the ending is read, but it weighs no more than the rest'
          : `reviews that turn with a late "but" are harder: make sure the ending is read (${w.longText('tail')}, ${w.longText('head+tail')} or ${w.longText('chunks')})`,
        label: `mistakes are lopsided by class (${t.groupName} ${pct(t.group.errorRate)} vs ${t.otherName} ${pct(t.other.errorRate)}): check the decision threshold or class weights`,
      };
      better.push(
        `${f.title}: ${hint[t.key]} (${t.groupName}: ${pct(t.group.errorRate)} errors vs ${pct(t.other.errorRate)}, Holm-adjusted ${formatP(t.pAdjusted)}).`,
      );
    }
    if (!f.patterns.tests.some((x) => x.supported))
      better.push(
        `${f.title}: none of the error patterns checked (length, negation, mixed sentiment, late contrast, class) is significant on this test set, so no single kind of review stands out as the weak spot.`,
      );
  }
  const train = ds?.sizes?.train ?? (has(r.texts) ? r.texts.trainSize : undefined);
  better.push(
    `**Data size.** ${train !== undefined ? `The models trained on ${train} examples.` : 'The number of training examples is not recorded.'} Whether more data would help is not measured here: a learning curve (the same run on half the training data) would show it.`,
  );
  for (const f of tuned) {
    if (f.test.ece > 0.05)
      better.push(
        `${f.title} is mis-calibrated (ECE ${f.test.ece.toFixed(3)}): temperature scaling fitted on the validation set would make its confidences usable as probabilities.`,
      );
  }
  for (const b of better) L.push(`- ${b}`);
  L.push('');

  // (c)
  L.push('## 3. What limits it in production?', '');
  L.push('| Run | Size on disk | CPU latency per review | Token limit | ECE (calibration) | Out-of-domain accuracy |', '|---|---:|---|---|---:|---|');
  for (const f of r.runs) {
    const size = has(f.size) ? `${mib(f.size.bytes)}` : 'not measured';
    const lat = has(f.latency) ? `${f.latency.msPerReview.toFixed(f.latency.msPerReview < 10 ? 2 : 1)} ms` : 'not measured';
    const limit =
      f.config.maxLength !== undefined
        ? `${f.config.maxLength} tokens (${f.config.longText ?? 'head'})`
        : f.kind === 'baseline-tfidf' || f.kind === 'baseline-nbsvm'
          ? 'none'
          : 'whole text';
    const ood =
      f.outOfDomain === undefined
        ? 'not measured'
        : has(f.outOfDomain)
          ? `${pct(f.outOfDomain.accuracy)} (${ci(f.outOfDomain.accuracyCI)}, n = ${f.outOfDomain.n})`
          : 'failed';
    L.push(`| ${f.title} | ${size} | ${lat} | ${limit} | ${f.test.ece.toFixed(3)} | ${ood} |`);
  }
  L.push('');
  const notes: string[] = [];
  for (const f of r.runs) {
    if (has(f.size)) notes.push(`${f.title}: size is ${f.size.what}.`);
    if (has(f.latency)) notes.push(`${f.title}: latency is the ${f.latency.how}.`);
    else notes.push(`${f.title}: CPU latency ${f.latency.missing}; ${w.predict(f.dir)}.`);
    if (has(f.truncation) && !f.truncation.readsWholeText)
      notes.push(
        `${f.title}: at ${f.truncation.maxLength} tokens with the ${f.truncation.longText} strategy, on average ${pct(f.truncation.droppedShare)} of a test review's tokens are never seen — ${f.truncation.longText === 'head' ? 'everything after the opening, including the closing verdict' : f.truncation.longText === 'tail' ? 'everything before the ending' : 'the middle of each long review'}.`,
      );
    const rel = f.test.reliability.filter((b) => b.count > 0);
    if (rel.length) {
      const conf = rel.reduce((s, b) => s + b.count * b.confidence, 0) / f.test.n;
      const verdict = conf > f.test.accuracy + 0.02 ? 'over-confident' : conf < f.test.accuracy - 0.02 ? 'under-confident' : 'about right on average';
      notes.push(
        `${f.title}: mean confidence ${pct(conf)} against accuracy ${pct(f.test.accuracy)} — ${verdict}; expected calibration error ${f.test.ece.toFixed(3)} (${f.test.ece <= 0.05 ? 'small' : 'confidence and accuracy disagree within the confidence bins'}).`,
      );
    }
    if (f.outOfDomain && !has(f.outOfDomain)) notes.push(`${f.title}: out-of-domain evaluation failed — ${f.outOfDomain.missing}.`);
  }
  if (!r.outOfDomainData) notes.push(`Out-of-domain accuracy is not measured: ${w.outOfDomain}.`);
  if (r.domainShift) {
    for (const c of r.domainShift.comparisons)
      notes.push(
        `Out of domain (${r.domainShift.data}), ${c.b} − ${c.a}: ${points(c.difference)} points (95% CI ${points(c.differenceCI[0])} to ${points(c.differenceCI[1])}), McNemar exact ${formatP(c.mcnemarP)} on the ${c.onlyACorrect + c.onlyBCorrect} examples where exactly one is right.`,
      );
    const verdict = transferVerdict(r.domainShift);
    if (verdict) notes.push(`Which model transfers better: ${verdict}`);
  }
  // the data loader's warnings about the out-of-domain data (the same file for every run: said once)
  const oodWarnings = r.runs.map((f) => f.outOfDomain).find((o) => o !== undefined && has(o) && o.warnings?.length);
  if (oodWarnings && has(oodWarnings)) for (const x of oodWarnings.warnings ?? []) notes.push(`Warning about the out-of-domain data: ${x}`);
  for (const n of notes) L.push(`- ${n}`);
  L.push('');
  return L.join('\n');
}

/** Error rate of every run per length quarter of the shared test set, side by side (where each model gains or loses). */
function appendLengthTable(L: string[], runs: readonly RunFacts[]): void {
  const withP = runs.filter((f) => f.patterns);
  if (withP.length === 0) return;
  const buckets = withP[0].patterns!.lengthBuckets;
  // All runs are tested on the same examples, so their quarters coincide; compare only if they do.
  const same = withP.every(
    (f) =>
      f.patterns!.lengthBuckets.length === buckets.length &&
      f.patterns!.lengthBuckets.every((b, i) => b.minWords === buckets[i].minWords && b.maxWords === buckets[i].maxWords && b.n === buckets[i].n),
  );
  if (!same) return;
  L.push('Error rate by review length (quarters of the test set by word count):', '');
  L.push(`| Words | Reviews | ${withP.map((f) => f.title).join(' | ')} |`, `|---|---:|${withP.map(() => '---:').join('|')}|`);
  buckets.forEach((b, i) =>
    L.push(
      `| ${b.minWords}–${b.maxWords} | ${b.n} | ${withP.map((f) => `${pct(f.patterns!.lengthBuckets[i].errorRate)} (${f.patterns!.lengthBuckets[i].errors})`).join(' | ')} |`,
    ),
  );
  L.push('');
}

function appendExcluded(L: string[], r: ReflectionFacts): void {
  if (!r.excluded.length) return;
  L.push(`Not compared (${r.excluded.length}):`, '');
  for (const e of r.excluded) L.push(`- \`${e.id}\` (${e.kind}, ${e.status}): ${e.reason}`);
  L.push('');
}
