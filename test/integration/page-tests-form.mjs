// Page tests of the "Fine-tune" form (src/ui/fineTuneForm.ts, webview/form.ts): opened from the palette it shows
// every setting with its default and one line of explanation, labels bound to the inputs; Estimate asks the real
// host to measure training steps of the starter model; Start runs a small real fine-tuning run through the
// extension's train path, with the form's settings, device and threads in its run.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, commandWithPicks, runCommand, waitForValue, webviewFrame } from './page-tests.mjs';

const ACTIVITY_ITEM = '.activitybar a.action-label[aria-label^="Guided Fine-Tune"]';
let form; // the form's webview frame

/** Types into a vscode-textfield: Playwright reaches its input through the open shadow root and fires its input events. */
async function type(page, frame, key, text) {
  // A check of the previous value may still re-render the form and put it back into the field: type again then.
  let v;
  for (let attempt = 0; attempt < 3; attempt++) {
    await frame.fill(`#field-${key} input`, text);
    await page.waitForTimeout(150);
    v = await frame.$eval(`#field-${key}`, (e) => e.value);
    if (v === text) return;
  }
  check(v === text, `typed '${text}' into ${key}, the field holds '${v}'`);
}

/** Chooses an option of a vscode-single-select (the value the extension reads, with the change event it listens to). */
async function choose(frame, key, value) {
  await frame.$eval(
    `#field-${key}`,
    (el, v) => {
      el.value = v;
      el.dispatchEvent(new el.ownerDocument.defaultView.Event('change', { bubbles: true }));
    },
    value,
  );
}

async function theme(page, name, dark) {
  await commandWithPicks(page, 'Preferences: Color Theme', [name]);
  await page.waitForSelector(dark ? '.monaco-workbench.vs-dark' : '.monaco-workbench.vs:not(.vs-dark)', { timeout: 30_000 });
}

export const pageTests = [
  {
    name: 'Fine-tune form: opens from the palette with every default and a one-line explanation, labels bound, keyboard order',
    async run({ page, screenshot }) {
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.waitForSelector(ACTIVITY_ITEM, { state: 'visible', timeout: 60_000 });
      await theme(page, 'Light Modern', false);
      await runCommand(page, 'Guided Fine-Tune: Fine-Tune a Model');
      form = await webviewFrame(page, '[data-action="estimate"]');
      await form.waitForSelector('#field-epochs', { timeout: 20_000 });
      const helps = await form.$$eval('[data-help]', (els) => els.map((e) => [e.getAttribute('data-help'), e.textContent.trim()]));
      for (const key of ['model', 'dataset', 'longText', 'maxLength', 'epochs', 'batchSize', 'lr', 'trainLayers', 'seed', 'device', 'threads']) {
        const h = helps.find(([k]) => k === key);
        check(h && h[1].length > 20 && !h[1].includes('\n'), `the ${key} setting should explain itself in one line: ${h?.[1]}`);
      }
      check(helps.find(([k]) => k === 'epochs')[1].includes('Default: 3.'), 'the epochs explanation should name its default');
      const values = await form.$$eval('[data-field]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-field'), e.value])));
      check(
        values.model === 'starter' &&
          values.epochs === '3' &&
          values.batchSize === '16' &&
          values.lr === '5e-5' &&
          values.longText === 'head' &&
          values.trainLayers === 'all',
        `defaults: ${JSON.stringify(values)}`,
      );
      check(values.dataset === 'builtin:movie-reviews', `the first dataset of the Datasets view should be chosen: ${values.dataset}`);
      // Hidden until they apply: sentences per text (sentence-mean) and top layers (train the top layers).
      check(await form.$eval('[data-row="docPieces"]', (e) => e.hidden), 'sentences per text should be hidden for head');
      await choose(form, 'longText', 'sentence-mean');
      check(!(await form.$eval('[data-row="docPieces"]', (e) => e.hidden)), 'sentences per text should show for sentence-mean');
      await choose(form, 'longText', 'head');
      // A preset fills the training settings (here gft demo's for the starter model); "General defaults" restores them.
      await choose(form, 'preset', 'starter-demo');
      const demo = await form.$$eval('[data-field]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-field'), e.value])));
      check(
        demo.longText === 'sentence-mean' && demo.lr === '4e-4' && demo.trainLayers === 'top' && demo.topLayers === '1' && demo.maxLength === '64',
        `the demo preset: ${JSON.stringify(demo)}`,
      );
      check(!(await form.$eval('[data-row="topLayers"]', (e) => e.hidden)), 'top layers should show for the demo preset');
      await choose(form, 'preset', 'defaults');
      check((await form.$eval('#field-longText', (e) => e.value)) === 'head', 'General defaults should restore head');
      // Labels are bound: the inner input of each field is named by its label.
      const aria = await form.$eval('#field-epochs', (e) => e.shadowRoot?.querySelector('input')?.getAttribute('aria-label'));
      check(aria === 'Epochs', `the epochs input should be labelled by its <vscode-label>: ${aria}`);
      // Keyboard: Tab from epochs goes to batch size.
      await form.click('#field-epochs');
      await page.keyboard.press('Tab');
      const focused = await form.evaluate(() => document.activeElement?.id);
      check(focused === 'field-batchSize', `Tab from epochs should focus batch size, focused ${focused}`);
      await screenshot('form-light');
    },
  },
  {
    name: 'Fine-tune form: Start with a missing model folder says why once, in the form, and makes no run folder',
    async run({ page, ws }) {
      check(form, 'needs the open form of the previous test');
      const runs = join(ws, 'runs');
      const before = existsSync(runs) ? readdirSync(runs).sort() : [];
      await choose(form, 'model', 'folder');
      await type(page, form, 'modelPath', '/nonexistent/gft-no-such-model');
      await form.click('[data-action="start"]');
      const failed = await form.waitForSelector('[data-failed="start"]', { timeout: 120_000 });
      const text = await failed.textContent();
      check(
        /^Could not start: model folder \/nonexistent\/gft-no-such-model does not exist; give a hub id/.test(text) && !text.includes('\n'),
        `the form's error: ${text}`,
      );
      check((await form.$$('[data-failed]')).length === 1, 'one error in the form');
      const after = existsSync(runs) ? readdirSync(runs).sort() : [];
      check(JSON.stringify(after) === JSON.stringify(before), `no run folder should be made: ${after.filter((x) => !before.includes(x)).join(', ')}`);
      await choose(form, 'model', 'starter');
    },
  },
  {
    name: "Fine-tune form: bad values are one line at their fields, listed and counted alike; a max length above the model's cap warns; Estimate measures real steps",
    async run({ page, screenshot }) {
      check(form, 'needs the open form of the previous test');
      await type(page, form, 'epochs', '0');
      await type(page, form, 'lr', 'abc');
      await form.click('[data-action="estimate"]');
      await form.waitForSelector('[data-error="epochs"]:has-text("Epochs must be a whole number from 1 to 1000.")', { timeout: 10_000 });
      // "Please fix N settings" lists all N.
      const fix = await form.$eval('[data-fix-count]', (e) => ({
        n: Number(e.getAttribute('data-fix-count')),
        text: e.textContent,
        items: [...e.querySelectorAll('li')].map((l) => l.textContent),
      }));
      check(
        fix.n === 2 && fix.items.length === 2 && fix.text.startsWith('Please fix 2 settings:'),
        `the count and the list should agree: ${JSON.stringify(fix)}`,
      );
      check(
        fix.items[0].startsWith('Epochs must') && fix.items[1].startsWith('Learning rate must'),
        `both settings listed in form order: ${JSON.stringify(fix.items)}`,
      );
      // One rule, one message: 'abc' and 0 break the same rule and say the same thing.
      const abc = await form.textContent('[data-error="lr"]');
      await type(page, form, 'lr', '0');
      await form.click('[data-action="estimate"]');
      await waitForValue(
        () => form.$eval('[data-fix-count]', (e) => e.textContent).catch(() => ''),
        (t) => t.includes('Learning rate'),
        'the errors for lr 0',
        10_000,
      );
      const zero = await form.textContent('[data-error="lr"]');
      check(abc === zero && zero === 'Learning rate must be a number > 0 and <= 1.', `'abc' said "${abc}", 0 said "${zero}"`);
      await type(page, form, 'lr', '0.00005');
      // The starter model reads at most 128 tokens: 512 is accepted, with a warning at the field, as typed.
      await type(page, form, 'maxLength', '512');
      await form.waitForSelector('[data-warning="maxLength"]:has-text("The starter model reads at most 128 tokens: 512 becomes 128.")', { timeout: 10_000 });
      await type(page, form, 'epochs', '2');
      await type(page, form, 'maxLength', '64');
      await waitForValue(
        () => form.textContent('[data-warning="maxLength"]'),
        (t) => t === '',
        'the max-length warning to go at 64',
        10_000,
      );
      await form.click('[data-action="estimate"]');
      await form.waitForSelector('[data-busy="estimate"]', { timeout: 10_000 });
      check(!(await form.$eval('[data-error="epochs"]', (e) => e.textContent)), 'the fixed error should be cleared');
      await form.waitForSelector('[data-done="estimate"], [data-failed="estimate"]', { timeout: 300_000 });
      const failed = await form.$('[data-failed="estimate"]');
      check(!failed, `the estimate failed: ${failed && (await failed.textContent())}`);
      const box = await form.$eval('section.estimate', (e) => ({
        total: Number(e.getAttribute('data-total-seconds')),
        epoch: Number(e.getAttribute('data-epoch-seconds')),
        mib: Number(e.getAttribute('data-peak-mib')),
        rows: [...e.querySelectorAll('tr')].map((r) => [r.querySelector('th').textContent, r.querySelector('td').textContent]),
        shown: [...e.querySelectorAll('[data-estimate]')].map((s) => s.textContent),
      }));
      check(Number.isFinite(box.epoch) && box.epoch > 0 && box.total >= 2 * box.epoch, `measured seconds: epoch ${box.epoch}, total ${box.total}`);
      // The starter model's host holds the model, data and training program: a few hundred MB at least.
      check(box.mib > 200 && box.mib < 16_000, `peak memory ${box.mib} MiB`);
      const row = (label) => box.rows.find(([l]) => l === label)?.[1] ?? '';
      const texts = Number(/^(\d+) training texts/.exec(row('Data'))?.[1]);
      check(texts > 1000 && texts < 2000, `training texts of the movie-review split: ${row('Data')}`);
      // Steps per epoch follow the data and the batch size of 16.
      const perEpoch = new RegExp(`^\\S+ (s|min|h).*\\(${Math.ceil(texts / 16)} steps × [\\d.]+ s?.*measured over \\d+ real steps\\)`);
      check(perEpoch.test(row('Time per epoch')), `time per epoch: ${row('Time per epoch')}`);
      // Validation twice per epoch with 2 epochs (the default schedule draws a curve from short runs) and the test pass.
      check(/^about .*: 2 epochs \+ 5 evaluation passes/.test(row('Total')), `total: ${row('Total')}`);
      check(/^CPU, \d+ threads? /.test(row('Device')), `device: ${row('Device')}`);
      check(/(MB|GB)$/.test(box.shown[2]), `memory headline: ${box.shown[2]}`);
      await page.waitForTimeout(300);
      await screenshot('form-estimate-light');
    },
  },
  {
    name: 'Fine-tune form: Start runs a small real fine-tuning with the form settings, device and threads; dark theme',
    async run({ page, ws, screenshot }) {
      check(form, 'needs the open form');
      const runs = join(ws, 'runs');
      const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
      // Small and quick: only the classifier, 32 tokens, one epoch of batches of 64, one CPU thread.
      await type(page, form, 'epochs', '1');
      check(!(await form.$eval('.estimate .stale', (e) => e.hidden)), 'changing a setting should mark the estimate out of date');
      await type(page, form, 'batchSize', '64');
      await type(page, form, 'maxLength', '32');
      await type(page, form, 'lr', '0.001');
      await choose(form, 'trainLayers', 'head');
      await choose(form, 'device', 'cpu');
      await type(page, form, 'threads', '1');
      await form.click('[data-action="start"]');
      const started = await form.waitForSelector('[data-started]', { timeout: 120_000 });
      const id = await started.getAttribute('data-started');
      check(!before.has(id) && existsSync(join(runs, id, 'run.json')), `the form should name the new run folder: ${id}`);
      // While the form's run is active, Start is disabled: a second press cannot queue a silent duplicate.
      check(await form.$eval('[data-action="start"]', (e) => e.hasAttribute('disabled')), "Start should be disabled while this form's run is active");
      const manifest = await waitForValue(
        () => JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8')),
        (m) => m.status !== 'running',
        'the run to finish',
        420_000,
      );
      check(manifest.status === 'completed', `the run ended ${manifest.status}: ${manifest.error ?? ''}`);
      await form.waitForSelector(`[data-ended="${id}"][data-status="completed"]`, { timeout: 30_000 });
      check(!(await form.$eval('[data-action="start"]', (e) => e.hasAttribute('disabled'))), 'Start should be enabled again once the run ended');
      check(readdirSync(runs).filter((n) => !before.has(n)).length === 1, `one run started, no duplicate: ${readdirSync(runs).filter((n) => !before.has(n))}`);
      // Validated often enough to draw a curve in one epoch (22 steps: every 6 steps and the final weights).
      const validations = readFileSync(join(runs, id, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"split":"validation"')).length;
      check(validations >= 4, `a 1-epoch run should be validated at least 4 times, was ${validations}`);
      check(manifest.name === 'starter · head only · 1 ep · lr 1e-3', `run.json's default name: ${manifest.name}`);
      const c = manifest.config;
      check(
        c.epochs === 1 && c.batchSize === 64 && c.maxLength === 32 && c.lr === 0.001 && c.trainLayers === 'head' && manifest.kind === 'head-only',
        `run.json config: ${JSON.stringify(c)}`,
      );
      check(
        c.execution?.device === 'cpu' && c.execution?.threads === 1 && c.execution?.threadsFrom === 'setting',
        `run.json execution: ${JSON.stringify(c.execution)}`,
      );
      check(/^cpu, 1 thread /.test(manifest.device), `run.json device: ${manifest.device}`);
      check(manifest.test && manifest.test.accuracy > 0.5, `the head-only run should beat chance on the test split: ${manifest.test?.accuracy}`);
      // The results panel opens from the form.
      await form.click('[data-action="open-results"]');
      await webviewFrame(page, `h1[data-run="${id}"]`, 30_000);
      // Back to the form, dark theme. Reopening re-renders the fields: wait for that before typing.
      const renders = () => form.$eval('#form-app', (e) => Number(e.getAttribute('data-renders') ?? 0));
      const rendered = await renders();
      await runCommand(page, 'Guided Fine-Tune: Fine-Tune a Model');
      await waitForValue(renders, (n) => n > rendered, 'the reopened form to re-render', 10_000);
      // Opening it again keeps what was typed; Reset to defaults restores every default.
      await type(page, form, 'seed', '7');
      await runCommand(page, 'Guided Fine-Tune: Fine-Tune a Model');
      await waitForValue(
        () => form.$eval('#field-seed', (e) => e.value),
        (v) => v === '7',
        'the typed seed to survive reopening',
        10_000,
      );
      await form.click('[data-action="reset"]');
      const reset = await waitForValue(
        () => form.$$eval('[data-field]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-field'), e.value]))),
        (v) => v.seed === '42',
        'the seed back at its default',
        10_000,
      );
      check(
        reset.epochs === '3' && reset.batchSize === '16' && reset.trainLayers === 'all' && reset.threads === '0',
        `after Reset to defaults: ${JSON.stringify(reset)}`,
      );
      await theme(page, 'Dark Modern', true);
      await webviewFrame(page, 'body.vscode-dark [data-action="estimate"]', 30_000);
      await page.waitForTimeout(500);
      await screenshot('form-dark');
    },
  },
];

// Another job running in the host: Start says the fine-tuning would wait behind it and asks; Cancel starts nothing.
pageTests.push({
  name: 'Fine-tune form: Start while a baseline runs asks "Queued behind … Start anyway?"; Cancel starts nothing',
  async run({ page, ws }) {
    check(form, 'needs the open form');
    const runs = join(ws, 'runs');
    const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
    await commandWithPicks(page, 'Guided Fine-Tune: Run Baseline', ['TF-IDF + logistic regression', 'Movie reviews (built-in)']);
    const status = async () => (await page.locator('.part.statusbar').textContent()) ?? '';
    await waitForValue(status, (t) => /features|training/.test(t), 'the baseline to report progress', 120_000);
    const baseline = readdirSync(runs).find((n) => !before.has(n));
    await runCommand(page, 'Guided Fine-Tune: Fine-Tune a Model');
    await form.click('[data-action="start"]');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    check(/Queued behind "TF-IDF baseline[^"]*": .*Start anyway\?/.test(await dialog.textContent()), `the question: ${await dialog.textContent()}`);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await form.waitForSelector('[data-failed="start"]:has-text("not started")', { timeout: 10_000 });
    check(readdirSync(runs).filter((n) => !before.has(n)).length === 1, "only the baseline's folder: no fine-tuning run was queued");
    await commandWithPicks(page, 'Guided Fine-Tune: Cancel Run', [baseline]);
    await waitForValue(
      () => JSON.parse(readFileSync(join(runs, baseline, 'run.json'), 'utf8')).status,
      (s) => s !== 'running',
      'the baseline to stop',
      60_000,
    );
  },
});
