// Page tests of the "Fine-tune" form (src/ui/fineTuneForm.ts, webview/form.ts): opened from the palette it shows
// every setting with its default and one line of explanation, labels bound to the inputs; Estimate asks the real
// host to measure training steps of the starter model; Start runs a small real fine-tuning run through the
// extension's train path, with the form's settings, device and threads in its run.json.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { check, commandWithPicks, pick, runCommand, showRunsView, waitForValue, webviewFrame } from './page-tests.mjs';

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
        demo.longText === 'sentence-mean' &&
          demo.lr === '4e-4' &&
          demo.epochs === '4' &&
          demo.trainLayers === 'top' &&
          demo.topLayers === '1' &&
          demo.maxLength === '64' &&
          demo.bestMetric === 'loss',
        `the demo preset: ${JSON.stringify(demo)}`,
      );
      check(!(await form.$eval('[data-row="topLayers"]', (e) => e.hidden)), 'top layers should show for the demo preset');
      // the demo keeps the checkpoint of lowest validation loss: the form shows that choice with its explanation
      await form.$eval('#field-bestMetric', (e) => e.scrollIntoView({ block: 'center' }));
      await screenshot('form-demo-preset-light');
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
    // Stop the baseline for the tests after this one. It may finish on its own first (the TF-IDF baseline takes
    // seconds, the question above as long on a slow machine): then Cancel Run has no running run to offer, and
    // that is not a failure.
    const baselineStatus = () => JSON.parse(readFileSync(join(runs, baseline, 'run.json'), 'utf8')).status;
    if (baselineStatus() === 'running')
      await commandWithPicks(page, 'Guided Fine-Tune: Cancel Run', [baseline]).catch((e) => {
        if (baselineStatus() === 'running') throw e;
      });
    await waitForValue(baselineStatus, (s) => s !== 'running', 'the baseline to stop', 60_000);
  },
});

/** The side bar's rendered tree rows, top to bottom: level, number of siblings (aria-setsize) and text. */
const treeRows = (page) =>
  page.$$eval('.part.sidebar .pane-body .monaco-list-row', (els) =>
    els
      .map((e) => ({
        top: e.getBoundingClientRect().top,
        level: Number(e.getAttribute('aria-level')),
        size: Number(e.getAttribute('aria-setsize')),
        text: e.textContent ?? '',
      }))
      .sort((a, b) => a.top - b.top),
  );

// "Search…" end to end: a small labelled file added as a dataset (100 short reviews: 70 train, 10 validation, 20 test,
// so a trial is a few seconds and the search's probes, trials and final run fit in minutes), a 4-minute budget, the
// progress a user sees while it runs, the search in the Runs view with its final run and trials under it, the
// form's closing line and the trials view.
pageTests.push({
  name: 'Fine-tune form: Search… with a small budget shows its progress, lists the search with its trials in the Runs view and opens the trials view',
  async run({ page, ws, root, screenshot }) {
    await page.waitForSelector(ACTIVITY_ITEM, { state: 'visible', timeout: 60_000 });
    const runs = join(ws, 'runs');
    const file = join(ws, 'search-tiny-reviews.jsonl');
    const reviews = gunzipSync(readFileSync(join(root, 'data', 'movie-reviews.jsonl.gz')))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const rows = ['pos', 'neg'].flatMap((label) => reviews.filter((r) => r.label === label).slice(0, 50));
    writeFileSync(file, rows.map((r) => JSON.stringify({ text: r.text.split(/\s+/).slice(0, 60).join(' '), label: r.label })).join('\n') + '\n');
    // Add Dataset > Import a file…: code-server's file dialog is a quick input that takes the path.
    await runCommand(page, 'Notifications: Clear All Notifications');
    await runCommand(page, 'Guided Fine-Tune: Add Dataset');
    await pick(page, 'Import a file…');
    const input = page.locator('.quick-input-widget input');
    await waitForValue(
      () => input.inputValue().catch(() => ''),
      (v) => v.startsWith('/'),
      'the file dialog',
      20_000,
    );
    // The dialog may still be writing its starting folder into the input when the path is typed (seen under load:
    // the folder and the path ended up joined): type it again until the input holds exactly the path.
    await waitForValue(
      async () => {
        const v = await input.inputValue().catch(() => '');
        if (v !== file) await input.fill(file);
        return v;
      },
      (v) => v === file,
      'the path in the file dialog',
      20_000,
    );
    await page.keyboard.press('Enter');
    const toast = (text) => page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();
    await toast('Added search-tiny-reviews.jsonl: 100 examples, 2 labels: train 70 · validation 10 · test 20').waitFor({ timeout: 60_000 });

    // The form, opened again (or for the first time when this test runs alone): the new dataset is among its choices.
    const renders = () => form.$eval('#form-app', (e) => Number(e.getAttribute('data-renders') ?? 0));
    const rendered = form ? await renders() : 0;
    await runCommand(page, 'Guided Fine-Tune: Fine-Tune a Model');
    if (!form) form = await webviewFrame(page, '[data-action="estimate"]');
    await waitForValue(renders, (n) => n > rendered, 'the form to render with the new dataset', 20_000);
    const datasets = await form.$$eval('#field-dataset vscode-option', (els) => els.map((e) => e.getAttribute('value')));
    check(datasets.includes(file), `the form's datasets: ${JSON.stringify(datasets)}`);
    await choose(form, 'dataset', file);
    await choose(form, 'model', 'starter');
    await type(page, form, 'epochs', '1');
    await type(page, form, 'batchSize', '64');
    await choose(form, 'device', 'cpu');
    await type(page, form, 'threads', '1');
    await form.fill('#search-budget input', '4');
    check((await form.$eval('#search-budget', (e) => e.value)) === '4', 'the budget field holds 4');
    check(!(await form.$eval('#search-budget', (e) => e.matches(':invalid'))), 'whole minutes are a valid budget (not marked in red)');
    const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
    await form.click('[data-action="search"]');

    // While it runs: the form says what runs and where its trials appear, Start and Search… wait, a notification
    // carries the search's progress and Cancel, and the Runs view shows the search as running.
    const busy = await (await form.waitForSelector('[data-busy="search"]', { timeout: 20_000 })).textContent();
    const m = /^Searching for 4 min with starter: its trials appear under "Search · starter" in the Runs view \(folder (search-\d{8}-\d{6})\)/.exec(busy);
    check(m, `the form's line while searching: ${busy}`);
    const name = m[1];
    check(!before.has(name), `a new search folder: ${name}`);
    for (const action of ['start', 'search'])
      check(await form.$eval(`[data-action="${action}"]`, (e) => e.hasAttribute('disabled')), `${action} is disabled while the search runs`);
    await toast(`Search ${name}`).waitFor({ timeout: 20_000 });
    await showRunsView(page);
    const searchRow = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Search · starter' }).first();
    await searchRow.waitFor({ timeout: 30_000 });
    check(/running/.test(await searchRow.textContent()), `the search's row while it runs: ${await searchRow.textContent()}`);
    await page.waitForTimeout(300);
    await screenshot('form-search-running');

    // The end, in the form: completed, the best trial and the final run's test accuracy.
    const ended = await form.waitForSelector(`[data-search-ended="${name}"]`, { timeout: 540_000 });
    const status = await ended.getAttribute('data-status');
    const message = await ended.textContent();
    check(status === 'completed', `the search ended ${status}: ${message}`);
    const rec = JSON.parse(readFileSync(join(runs, name, 'search.json'), 'utf8'));
    // The trials that ran (the budget may stop planned ones before they start: those have no run folder).
    const ran = rec.trials.filter((t) => t.rungs.some((x) => x.status === 'completed'));
    const started = rec.trials.filter((t) => t.rungs.length > 0); // the row counts these, not the plan
    const trialDirs = rec.trials.map((t) => t.runId).filter((id) => existsSync(join(runs, name, id, 'run.json')));
    check(rec.status === 'completed' && ran.length >= 1 && rec.final?.status === 'completed', `search.json: ${rec.status}, ${ran.length} trials ran`);
    check(
      message.startsWith(
        `Search ${name} completed. Best of ${ran.length} trial${ran.length === 1 ? '' : 's'}: ${rec.best.runId} (validation accuracy ${rec.best.value.toFixed(4)}).`,
      ) && / The final run's test accuracy: \d+\.\d+% \(95% CI /.test(message),
      `the form's closing line: ${message}`,
    );
    check(
      rec.trials.every((t) => t.sampled.trainLayers !== undefined && t.sampled.lr !== undefined) && rec.fixed.epochs === 1 && rec.fixed.batchSize === 64,
      `the trials sample the searched settings, the form's epochs and batch size are kept: ${JSON.stringify(rec.fixed)}`,
    );
    check(!(await form.$eval('[data-action="search"]', (e) => e.hasAttribute('disabled'))), 'Search… is enabled again');

    // The Runs view: the search's row says it completed with its best and test, and holds the final run and every trial.
    // When the budget ran out before the plan's last trials started (seen on a loaded machine), the row says how many.
    const notRun = rec.trials.length - started.length;
    const endedRow = new RegExp(`completed${notRun ? ` · ${notRun} planned not run` : ''} · best val accuracy \\d\\.\\d{4} · test \\d`);
    await waitForValue(
      () => searchRow.textContent(),
      (t) => endedRow.test(t) && t.includes(`Search · starter · ${started.length} trial${started.length === 1 ? '' : 's'}`),
      "the search's row when it ended",
      30_000,
    );
    await searchRow.locator('.monaco-tl-twistie').click(); // expand (a click on the row itself opens the trials view)
    // Each row under the search starts with which run it is (the final run retrains the best trial's settings, so its
    // name repeats that trial's; the side bar cuts descriptions): the final run first, then the trials best first.
    const expected = new Map(
      ['final', ...trialDirs].map((id) => {
        const m = JSON.parse(readFileSync(join(runs, name, id, 'run.json'), 'utf8'));
        return [m.search.trial === 'final' ? 'final run' : `trial ${m.search.trial}`, m.name];
      }),
    );
    // The tree renders only the rows in view: the count is the first child's aria-setsize, the names those shown.
    const children = await waitForValue(
      async () => {
        const all = await treeRows(page);
        const at = all.findIndex((r) => r.text.includes('Search · starter'));
        const out = [];
        for (let i = at + 1; at >= 0 && i < all.length && all[i].level > all[at].level; i++) out.push(all[i]);
        return out;
      },
      (c) => c.length > 0 && c[0].size === expected.size,
      `the final run and ${trialDirs.length} trials under the search`,
      20_000,
    ).then((c) => c.map((r) => r.text));
    const roles = children.map((c) => /^(final run|trial \d+) · /.exec(c)?.[1]);
    check(roles[0] === 'final run', `the final run first: ${JSON.stringify(children)}`);
    check(
      new Set(roles).size === roles.length && roles.every((r) => expected.has(r)),
      `the rows under the search: ${JSON.stringify(children)}, want ${JSON.stringify([...expected])}`,
    );
    children.forEach((c, i) =>
      check(c.startsWith(`${roles[i]} · ${expected.get(roles[i])}`), `row ${i + 1} under the search: ${c}, want ${expected.get(roles[i])}`),
    );
    check(
      !readdirSync(runs).some((d) => !before.has(d) && d !== name),
      `the trials stay inside the search folder: ${readdirSync(runs).filter((d) => !before.has(d))}`,
    );

    // Open trials: the comparison of the final run and the trials, with the search's notes above it.
    await form.click('[data-action="open-search"]');
    const trials = await webviewFrame(page, `table.data a[data-dir$="${name}/final"]`, 30_000);
    const view = await trials.$eval('body', (b) => ({
      notes: [...b.querySelectorAll('ul.notes li')].map((l) => l.textContent),
      runs: [...b.querySelectorAll('table.data a[data-dir]')].map((a) => a.getAttribute('data-dir').split('/').pop()),
    }));
    check(
      view.notes.some((n) => n.startsWith('Trials judged on validation accuracy only; the final run trained the best configuration again')),
      `the trials view's notes: ${JSON.stringify(view.notes)}`,
    );
    check(
      view.notes.some((n) => n.startsWith(`Best: ${rec.best.runId}: validation accuracy`)),
      `the best trial is marked: ${JSON.stringify(view.notes)}`,
    );
    check(
      JSON.stringify([...new Set(view.runs)].sort()) === JSON.stringify(['final', ...trialDirs].sort()),
      `the trials view compares the final run and the trials: ${JSON.stringify(view.runs)}`,
    );
    await screenshot('form-search-trials');
    // The trials view follows the theme: the same view in the light theme, then back to dark for the tests after.
    await theme(page, 'Light Modern', false);
    await waitForValue(
      () => trials.$eval('body', (b) => b.className),
      (c) => c.includes('vscode-light'),
      'the trials view in the light theme',
      20_000,
    );
    await screenshot('form-search-trials-light');
    await theme(page, 'Dark Modern', true);
    // Collapse the search again: its final run and trials would push the later tests' runs below the Runs view.
    await searchRow.locator('.monaco-tl-twistie').click();
  },
});
