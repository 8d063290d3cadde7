// Page tests of issue #14 items 5, 6, 8, 9 and 15 (the results panel as a newcomer meets it): a baseline opens on
// its test metrics with its headline accuracy, draws its fits rather than steps, ticks that can be told apart; the
// device reads "CPU, 2 threads" with why not the GPU one click away; the comparison overlays fine-tuning steps only;
// the mistakes browser counts words as the reflection does, explains FP/FN and the shading in words, and can leave
// punctuation and function words unshaded; the form's number spinner follows the dark theme and its choice lists
// show whole labels. Every run is written with the host's RunFolder (ctx.writeRun): no training. They switch themes
// themselves and take the README's screenshots in both. Write Reflection on three runs of the built-in split: truncation
// per long-text strategy, the form's names for settings, and the mistakes browser's length quartiles.
// GFT_PAGE_TESTS=results-ux: runs only these.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { check, commandWithPicks, runCommand, waitForValue, webviewFrame } from './page-tests.mjs';

const ACTIVITY_ITEM = '.activitybar a.action-label[aria-label^="Guided Fine-Tune"]';
// What a CPU run records when neither accelerator works (src/host/train/device.ts's summary).
const DEVICE =
  'cpu, 2 threads (cuda: libraries not installed (libcudart.so.12 not found); webgpu: no GPU device (/dev/nvidia0 missing)) · cpu: 2 x AMD EPYC 7B13 (linux/x64)';
const FITS = [
  { C: 1, iterations: 12 },
  { C: 10, iterations: 20 },
  { C: 100, iterations: 16 },
];

let tfidf; // { dir, id, manifest }
let ft;
let texts;

const readJsonl = (path) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const manifestOf = (dir) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
const wordCount = (t) => (t.match(/\S+/g) ?? []).length;

async function setTheme(page, name) {
  const dark = name.startsWith('Dark');
  await commandWithPicks(page, 'Preferences: Color Theme', [name]);
  await page.waitForSelector(dark ? '.monaco-workbench.vs-dark' : '.monaco-workbench.vs:not(.vs-dark)', { timeout: 30_000 });
  return dark ? 'dark' : 'light';
}

async function openResults(page, id) {
  await commandWithPicks(page, 'Guided Fine-Tune: Open Results', [id]);
  return webviewFrame(page, `h1[data-run="${id}"]`);
}

/** Gives the writer's synthetic test ids real movie-review ids (same labels), so the browser shows the texts. */
function useRealIds(dir) {
  const byLabel = ['neg', 'pos'].map((l) => [...texts.keys()].filter((id) => id.startsWith(`${l}/`)));
  const next = [0, 0];
  const path = join(dir, 'predictions.jsonl');
  const preds = readJsonl(path).map((p) => ({ ...p, id: byLabel[p.label][next[p.label]++] }));
  writeFileSync(path, preds.map((p) => JSON.stringify(p)).join('\n') + '\n');
  return preds;
}

function ownSplit(dir, tag) {
  const m = manifestOf(dir);
  m.dataset = { ...m.dataset, hash: `${tag}-dataset-hash`, splitHash: `${tag}-split-hash` };
  writeFileSync(join(dir, 'run.json.tmp'), JSON.stringify(m, null, 2));
  renameSync(join(dir, 'run.json.tmp'), join(dir, 'run.json'));
}

const distinct = (labels) => labels.length >= 2 && new Set(labels).size === labels.length;

export const pageTests = [
  {
    name: 'results-ux: a baseline opens on its test metrics (headline accuracy, confusion table), draws its fits per C, and names the device "CPU, 2 threads" with why not the GPU on demand',
    async run({ page, ws, root, writeRun, screenshot }) {
      await page.waitForSelector(ACTIVITY_ITEM, { state: 'visible', timeout: 60_000 });
      texts = new Map(
        gunzipSync(readFileSync(join(root, 'data', 'movie-reviews.jsonl.gz')))
          .toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const r = JSON.parse(l);
            return [r.id, r.text];
          }),
      );
      const runs = join(ws, 'runs');
      const b = writeRun.startRun(runs, {
        id: 'ux-tfidf',
        kind: 'baseline-tfidf',
        seed: 21,
        device: 'cpu: 2 x AMD EPYC 7B13 (linux/x64)',
        config: { C: 10, ngram: [1, 2] },
      });
      b.fits(FITS, 0.875);
      b.complete(400, 0.86);
      const f = writeRun.startRun(runs, { id: 'ux-finetune', model: 'starter', seed: 22, device: DEVICE });
      f.steps(1, 60);
      f.complete(400, 0.9);
      tfidf = { dir: b.dir, id: b.id };
      ft = { dir: f.dir, id: f.id };
      tfidf.preds = useRealIds(b.dir);
      ft.preds = useRealIds(f.dir);
      for (const dir of [b.dir, f.dir]) ownSplit(dir, 'ux-real-ids');
      tfidf.manifest = manifestOf(b.dir);
      ft.manifest = manifestOf(f.dir);

      for (const name of ['Light Modern', 'Dark Modern']) {
        const theme = await setTheme(page, name);
        const frame = await openResults(page, 'ux-tfidf');
        // Opens on Test metrics: the headline accuracy is the first thing shown.
        await waitForValue(
          () => frame.$eval('vscode-tabs', (t) => t.selectedIndex),
          (i) => i === 1,
          'the Test metrics tab to be selected',
        );
        const headline = frame.locator('section[aria-label="Test metrics"] .headline');
        await headline.waitFor({ state: 'visible', timeout: 10_000 });
        const t = tfidf.manifest.test;
        const shown = (await headline.textContent()).replace(/\s+/g, ' ');
        check(shown.startsWith(`Test accuracy${(100 * t.accuracy).toFixed(1)}%`), `headline: ${shown}`);
        check((await frame.locator('[data-chart="loss"]').isVisible()) === false, 'the training curves are not what a baseline opens on');
        // The confusion matrix is a table: the counts of run.json.
        const cells = await frame.$$eval('section[aria-label="Test metrics"] table.matrix td[data-count]', (tds) => tds.map((td) => Number(td.dataset.count)));
        check(JSON.stringify(cells) === JSON.stringify(t.confusion.flat()), `confusion table ${cells} vs run.json ${t.confusion.flat()}`);
        // Only the fits: one series per candidate C, x = iteration of a fit; no learning rate, no restarting loss.
        const charts = await frame.$$eval('[data-chart]', (els) => els.map((e) => e.dataset.chart));
        check(JSON.stringify(charts) === '["fit"]', `a baseline's charts: ${charts}`);
        check(Number(await frame.getAttribute('[data-chart="fit"]', 'data-series')) === 3, 'three candidate fits');
        check(
          Number(await frame.getAttribute('[data-chart="fit"]', 'data-points')) === FITS.reduce((n, x) => n + x.iterations, 0),
          'every iteration drawn once',
        );
        const yticks = (await frame.getAttribute('[data-chart="fit"]', 'data-yticks'))?.split('|') ?? [];
        check(distinct(yticks), `the fit chart's y ticks should differ: ${yticks}`);
        // The device: short, the reasons one click away.
        const device = frame.locator('header details.device');
        check(
          (await device.locator('summary').textContent()).trim() === 'on CPU · device details',
          `baseline device: ${await device.locator('summary').textContent()}`,
        );
        await frame.click('[data-tab="training"]');
        await frame.waitForSelector('[data-chart="fit"] canvas');
        await page.waitForTimeout(300);
        await screenshot(`results-baseline-fits-${theme}`);
        await frame.click('[data-tab="metrics"]');
        await page.waitForTimeout(300);
        await screenshot(`results-baseline-${theme}`);
        await runCommand(page, 'View: Close Editor');
      }

      // A fine-tuning run: "CPU, 2 threads", and the GPU reasons only after a click.
      const frame = await openResults(page, 'ux-finetune');
      await waitForValue(
        () => frame.$eval('vscode-tabs', (t) => t.selectedIndex),
        (i) => i === 0,
        'a fine-tuning run to open on its curves',
      );
      const summary = frame.locator('header details.device summary');
      check((await summary.textContent()).trim() === 'on CPU, 2 threads · why not the GPU?', `device summary: ${await summary.textContent()}`);
      const reasons = frame.locator('header details.device ul');
      check(!(await reasons.isVisible()), 'the reasons are hidden until asked for');
      check(!(await frame.locator('header').textContent()).includes('cuda:'), 'no raw diagnostics in the header');
      await summary.click();
      await reasons.waitFor({ state: 'visible' });
      const lines = await reasons.locator('li').allTextContents();
      check(
        lines[0] === 'NVIDIA GPU (CUDA): libraries not installed (libcudart.so.12 not found)' &&
          lines[1] === 'WebGPU: no GPU device (/dev/nvidia0 missing)' &&
          lines[2].startsWith('Machine: 2 x AMD EPYC'),
        `reasons: ${lines}`,
      );
      // Ticks that can be told apart, also on the accuracy chart's narrow range.
      for (const id of ['loss', 'accuracy', 'lr']) {
        const ticks = (await frame.getAttribute(`[data-chart="${id}"]`, 'data-yticks'))?.split('|') ?? [];
        check(distinct(ticks), `${id} y ticks should differ: ${ticks}`);
      }
      await runCommand(page, 'View: Close Editor');
    },
  },
  {
    name: 'results-ux: one validation point gets tick labels that differ (no four "0.875")',
    async run({ page, ws, writeRun }) {
      const r = writeRun.startRun(join(ws, 'runs'), { id: 'ux-one-eval', model: 'starter', seed: 23, evalEvery: 30, device: DEVICE });
      r.steps(1, 30);
      r.complete(400, 0.8);
      ownSplit(r.dir, 'ux-one-eval');
      const frame = await openResults(page, 'ux-one-eval');
      await waitForValue(
        () => frame.getAttribute('[data-chart="accuracy"]', 'data-points').then(Number),
        (n) => n === 2,
        'the single evaluation (accuracy and macro-F1)',
      );
      const ticks = await waitForValue(
        async () => (await frame.getAttribute('[data-chart="accuracy"]', 'data-yticks'))?.split('|') ?? [],
        (t) => t.length >= 2,
        "the accuracy chart's ticks",
      );
      check(distinct(ticks), `ticks around one point should differ: ${ticks}`);
      await runCommand(page, 'View: Close Editor');
    },
  },
  {
    name: "results-ux: the comparison overlays fine-tuning steps only; a baseline's validation accuracy is a dashed level, not a lone dot",
    async run({ page, screenshot }) {
      check(tfidf && ft, 'needs the runs of the first results-ux test');
      await runCommand(page, 'Guided Fine-Tune: Compare Runs');
      const rows = page.locator('.quick-input-list .monaco-list-row');
      await rows.first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(300);
      for (let i = 0; i < (await rows.count()); i++) {
        const row = rows.nth(i);
        const want = /ux-(tfidf|finetune) ·/.test((await row.textContent()) ?? ''); // the label is the run's name, the id starts the description
        if (((await row.getAttribute('aria-checked')) === 'true') !== want) await row.click();
      }
      await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
      const frame = await webviewFrame(page, 'table.significance[data-rows="1"]', 60_000);
      await waitForValue(
        () => frame.getAttribute('[data-chart="compare-loss"]', 'data-series').then(Number),
        (n) => n === 1,
        'one loss curve: the fine-tuning run',
      );
      check((await frame.textContent('[data-chart="compare-loss"] h2')).includes('fine-tuning runs'), 'the loss chart says what it overlays');
      check(
        (await frame.textContent('[data-chart="compare-loss"] figcaption')).includes('Not drawn: ux-tfidf'),
        'the baseline is named as not drawn, with why',
      );
      const evals = readJsonl(join(ft.dir, 'metrics.jsonl')).filter((m) => m.type === 'eval' && m.split === 'validation').length;
      check(Number(await frame.getAttribute('[data-chart="compare-accuracy"]', 'data-series')) === 2, "the run and the baseline's level");
      check(Number(await frame.getAttribute('[data-chart="compare-accuracy"]', 'data-points')) === 2 * evals, `the level spans the ${evals} evaluations`);
      check((await frame.textContent('[data-chart="compare-accuracy"] figcaption')).includes('Dashed'), 'the level is explained');
      await frame.evaluate(() => document.querySelector('[data-chart="compare-loss"]').scrollIntoView());
      await page.waitForTimeout(300);
      await screenshot('results-compare-curves-dark');
      await runCommand(page, 'View: Close Editor');
    },
  },
  {
    name: 'results-ux: the mistakes browser counts words as the reflection does, explains FP/FN and the shading in words, and can hide punctuation and function words',
    async run({ page, screenshot }) {
      check(ft, 'needs the runs of the first results-ux test');
      const wrong = ft.preds.filter((p) => p.pred !== p.label).sort((a, b) => b.probs[b.pred] - a.probs[a.pred] || a.id.localeCompare(b.id));
      const top = wrong[0];
      const ws = texts.get(top.id).split(/\s+/).filter(Boolean).slice(0, 150);
      // test data, not a model's gradients: function words and punctuation strongly shaded (as saliency often does), a few content words
      const raw = ws.map((w, j) => (/^(the|a|of|and|,|\.|is|to)$/i.test(w) ? 0.9 : j % 7 === 0 ? 1 : 0.1 * Math.abs(Math.sin(j))) * (j % 5 === 0 ? -1 : 1));
      writeFileSync(
        join(ft.dir, '.saliency.tmp'),
        JSON.stringify({ id: top.id, label: top.label, pred: top.pred, rowsTowardPred: 1, words: ws.map((w, j) => [w, raw[j]]) }) + '\n',
      );
      renameSync(join(ft.dir, '.saliency.tmp'), join(ft.dir, 'saliency.jsonl'));
      for (const name of ['Light Modern', 'Dark Modern']) {
        const theme = await setTheme(page, name);
        const frame = await openResults(page, 'ux-finetune');
        await frame.click('[data-tab="mistakes"]');
        await frame.waitForSelector('.summary:has-text("1 reviews have word saliency")', { timeout: 20_000 });
        // Word counts: whitespace-separated words of the stored text (src/protocol/words.ts, the reflection's too).
        const shown = await frame.$$eval('.mistake', (els) => els.map((e) => [e.dataset.id, Number(e.dataset.words)]));
        for (const [id, n] of shown) check(n === wordCount(texts.get(id)), `${id}: ${n} words shown, ${wordCount(texts.get(id))} in the text`);
        // FP/FN explained.
        const legend = (await frame.textContent('.badge-legend')).replace(/\s+/g, ' ');
        check(
          legend.includes('FP = false positive: predicted pos, truly neg.') && legend.includes('FN = false negative: truly pos, predicted neg.'),
          `badge legend: ${legend}`,
        );
        const title = await frame.getAttribute('.mistake vscode-badge', 'title');
        check(/^False (positive|negative): /.test(title ?? ''), `badge tooltip: ${title}`);
        // The shading in words, and hiding the minor words.
        await frame.focus('.mistake');
        await frame.waitForSelector('.detail .text.salient');
        check(
          (await frame.textContent('.detail .legend .in-words')).includes('Darker = the word pushed the prediction more'),
          'the legend says what shading means in words',
        );
        const minor = await frame.$$eval('.detail .w.minor', (els) => els.length);
        check(minor > 0, 'function words and punctuation are marked');
        const bg = (sel) => frame.$eval(sel, (e) => e.ownerDocument.defaultView.getComputedStyle(e).backgroundColor);
        const hidden = (c) => c === 'rgba(0, 0, 0, 0)' || c === 'transparent';
        const checkbox = frame.locator('.detail input[data-option="hide-minor"]');
        if (await checkbox.isChecked()) await checkbox.uncheck();
        check(!hidden(await bg('.detail .w.minor')), 'minor words are shaded until hidden');
        await page.waitForTimeout(200);
        await screenshot(`results-review-saliency-${theme}`);
        await checkbox.check();
        check(hidden(await bg('.detail .w.minor')), 'hidden: the minor words lose their shading');
        check(!hidden(await bg('.detail .w:not(.minor)')), 'the other words keep theirs');
        check((await frame.textContent('.detail .text.salient')).startsWith(texts.get(top.id).slice(0, 40)), 'the text itself stays whole');
        await checkbox.uncheck();
        await runCommand(page, 'View: Close Editor');
      }
    },
  },
  {
    name: "results-ux: the form's number spinner follows the dark theme and its choice lists show whole labels",
    async run({ page }) {
      await setTheme(page, 'Dark Modern');
      await runCommand(page, 'Guided Fine-Tune: Fine-Tune a Model');
      const form = await webviewFrame(page, '[data-action="estimate"]');
      await form.waitForSelector('#field-epochs', { timeout: 20_000 });
      const scheme = await form.$eval('#field-epochs', (el) => el.ownerDocument.defaultView.getComputedStyle(el.shadowRoot.querySelector('input')).colorScheme);
      check(scheme === 'dark', `the number field's native spinner should be drawn dark, color-scheme ${scheme}`);
      const cut = await form.$$eval('vscode-single-select', (els) =>
        els
          .filter((e) => e.offsetParent !== null)
          .map((e) => {
            const t = e.shadowRoot.querySelector('.select-face .text');
            return { id: e.id, text: t.textContent.trim(), cut: t.scrollWidth > t.clientWidth + 1 };
          })
          .filter((x) => x.cut),
      );
      check(cut.length === 0, `choice labels cut with an ellipsis: ${JSON.stringify(cut)}`);
      check(
        (await form.$eval('#field-model', (e) => e.shadowRoot.querySelector('.select-face .text').textContent.trim())).startsWith(
          'Starter model (Universal Sentence Encoder Lite',
        ),
        'the model choice shows its label',
      );
      await runCommand(page, 'View: Close Editor');
    },
  },
  {
    name: "results-ux: Write Reflection states truncation for the strategy each run used, names the form's settings, and cuts the mistakes browser's length quartiles",
    async run({ page, ws, root, writeRun }) {
      process.env.GFT_DATA_DIR = join(root, 'data');
      const runs = join(ws, 'runs');
      writeRun.realSplitRun(runs, { id: 'ux-real-tfidf', kind: 'baseline-tfidf', accuracy: 0.87, seed: 31, config: { C: 10 } });
      writeRun.realSplitRun(runs, {
        id: 'ux-real-head',
        kind: 'finetune',
        model: 'starter',
        accuracy: 0.8,
        seed: 32,
        config: { maxLength: 64, longText: 'head', epochs: 1 },
      });
      const { texts: testTexts } = writeRun.realSplitRun(runs, {
        id: 'ux-real-sentences',
        kind: 'finetune',
        model: 'starter',
        accuracy: 0.85,
        seed: 33,
        config: { maxLength: 64, longText: 'sentence-mean', epochs: 1 },
      });
      const before = new Set(readdirSync(ws).filter((f) => /^REFLECTION(-\d+)?\.md$/.test(f)));
      await runCommand(page, 'Guided Fine-Tune: Write Reflection');
      // An earlier test's REFLECTION.md (a modal offers a new name) and imported datasets (an out-of-domain pick) may ask first.
      const file = await waitForValue(
        async () => {
          const dialog = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Write REFLECTION-\d+\.md$/ });
          if (await dialog.count()) await dialog.first().click();
          const none = page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'No out-of-domain check' });
          if (await none.count()) await none.first().click();
          return readdirSync(ws).find((f) => /^REFLECTION(-\d+)?\.md$/.test(f) && !before.has(f));
        },
        Boolean,
        'the reflection to be written',
        240_000,
      );
      const md = readFileSync(join(ws, file), 'utf8');
      check(
        md.includes('Fine-tuned starter (ux-real-sentences)') && md.includes('Fine-tuned starter (ux-real-head)'),
        `the reflection should compare the three runs: ${md.slice(0, 600)}`,
      );
      const lines = md.split('\n');
      const about = (id) => lines.filter((l) => l.includes(`(${id})`));
      // sentence-mean reads every token: no unread share, no advice to switch to chunks
      check(
        about('ux-real-sentences').some((l) => /reads every sentence \(in pieces of at most 64 tokens\), so no token goes unread/.test(l)),
        'the sentence-mean run reads every token',
      );
      check(
        !about('ux-real-sentences').some((l) => /never seen|go unread\.|Read more of each review/.test(l)),
        `no truncation advice for the sentence-mean run: ${about('ux-real-sentences').join('\n')}`,
      );
      // head reads one window: its unread share, and advice in the form's words
      check(
        about('ux-real-head').some((l) => /tokens are never seen/.test(l)),
        'the head run gets its unread share',
      );
      check(
        /\*\*Read more of each review\.\*\* Fine-tuned starter \(ux-real-head\) .* Try “Long texts: All of it, in windows \(chunks\)”/.test(md),
        "the advice names the form's setting",
      );
      check(!/`--[a-z-]+|`gft /.test(md), `no CLI flags in the extension's reflection: ${md.match(/`--[a-z-]+[^`]*`|`gft [^`]*`/g)}`);
      // one word count: the reflection's length quarters are the mistakes browser's Length options
      const table = lines
        .filter((l) => /^\| \d+–\d+ \| \d+ \|/.test(l))
        .map((l) =>
          l
            .split('|')
            .slice(1, 3)
            .map((c) => c.trim()),
        );
      const counts = [...testTexts.values()].map(wordCount).sort((a, b) => a - b);
      check(table.length === 4 && table.reduce((n, r) => n + Number(r[1]), 0) === counts.length, `length table: ${JSON.stringify(table)}`);
      const frame = await openResults(page, 'ux-real-head');
      await frame.click('[data-tab="mistakes"]');
      await frame.waitForSelector('[data-select="length"]', { timeout: 20_000 });
      const options = await frame.$$eval('[data-select="length"] vscode-option', (els) => els.slice(1).map((e) => e.textContent.trim()));
      const browser = options.map((o) => /^Q\d: (\d+)–(\d+) words \((\d+)\)$/.exec(o)).map((m) => m && [`${m[1]}–${m[2]}`, m[3]]);
      check(JSON.stringify(browser) === JSON.stringify(table), `browser quartiles ${JSON.stringify(browser)} vs the reflection's ${JSON.stringify(table)}`);
      check(existsSync(join(ws, file)), 'the file stays');
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
