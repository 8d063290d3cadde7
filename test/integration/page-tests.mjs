// Page-side integration tests: run by run-code-server.mjs against a normal VS Code window (code-server in
// Chromium) with this repo loaded as the development extension, driven like a user: activity bar, command palette,
// quick picks, the Runs view, the results webview. The tests run in order and share one window and one run folder.
// Its helpers (runCommand, pick, webviewFrame, ...) are exported for page-tests-<feature>.mjs files.
// ctx = { page, ws, root, log, screenshot(name), writeRun: out/integration/runWriter.js, setSettings(obj) }.
import { readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ACTIVITY_ITEM = '.activitybar a.action-label[aria-label^="Guided Fine-Tune"]';

export function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** F1, type the command title, run the first match. */
export async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  // Focus the workbench itself (not a webview or a walkthrough button): the title bar is inert. On a loaded machine
  // the key press can arrive before the focus does and open nothing (a fresh-clone CI run at b3bbe7f failed so after
  // a walkthrough), so F1 is pressed again when the palette has not shown within a few seconds.
  for (let attempt = 1; ; attempt++) {
    await page.locator('.part.titlebar').click({ position: { x: 200, y: 10 } });
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 4_000 : 10_000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
}

/**
 * Opens the chapter's walkthrough and waits until it has put focus on a step: it does so a moment after it opens,
 * which closes a command palette or a context menu opened in between (a race the page tests lost often enough to
 * fail fresh-clone CI runs, at any load).
 */
export async function openWalkthrough(page) {
  await commandWithPicks(page, 'Welcome: Open Walkthrough...', ['Fine-tune a transformer, step by step']);
  await page.waitForFunction(() => document.activeElement?.classList.contains('getting-started-step'), null, { timeout: 5_000 }).catch(() => {});
}

/**
 * Runs a command and answers its quick pick(s). A quick pick closes when the window loses focus for a moment
 * (a webview or a notification can take it), so the whole sequence is retried up to three times.
 */
export async function commandWithPicks(page, title, picks) {
  let last;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await runCommand(page, title);
      for (const p of picks) await pick(page, p);
      return;
    } catch (e) {
      last = e;
      await page.keyboard.press('Escape');
    }
  }
  throw last;
}

/** Waits for a quick pick row containing text and accepts it. */
export async function pick(page, text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(text);
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const row = rows.filter({ hasText: text }).first();
  await row.waitFor({ timeout: 10_000 });
  // the filter typed into the input re-renders the list: click only once it shows the one row asked for
  await waitForValue(
    () => rows.count(),
    (n) => n === 1,
    `the quick pick filtered to '${text}'`,
    10_000,
  );
  await row.click();
}

/** The results webview's content frame (webviews are nested iframes): the one with `selector`. */
export async function webviewFrame(page, selector, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch {
        // frame navigating or detached
      }
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no webview frame with ${selector} within ${timeoutMs} ms`);
}

export async function chartPoints(frame, id) {
  return Number(await frame.getAttribute(`[data-chart="${id}"]`, 'data-points'));
}

export async function waitForValue(read, ok, what, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  let v;
  while (Date.now() < end) {
    v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what} (last value: ${JSON.stringify(v)})`);
}

/** Shows the Guided Fine-Tune side bar unless it is showing (clicking its activity item again would hide it). */
/**
 * Ticks the multi-select quick pick's row that shows `text` and waits until the widget counts it ("1 Selected");
 * the click is retried, since a click that lands while the list re-renders (or under a hover) can be lost.
 */
export async function tickQuickPickRow(page, text) {
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const row = rows.filter({ hasText: text }).first();
  await row.waitFor({ timeout: 10_000 });
  // the filter typed into the input re-renders the list: click only once it shows the one row asked for
  await waitForValue(
    () => rows.count(),
    (n) => n === 1,
    `the quick pick filtered to '${text}'`,
    10_000,
  );
  const counted = page.locator('.quick-input-widget .quick-input-count', { hasText: /^\s*1 Selected/ });
  for (let attempt = 0; attempt < 4; attempt++) {
    await row.locator('.monaco-checkbox, input[type=checkbox]').first().click();
    const ticked = await counted.waitFor({ timeout: 3_000 }).then(
      () => true,
      () => false,
    );
    if (ticked) {
      // back to the input: Enter there accepts the pick (on the focused checkbox it could untick it)
      await page.locator('.quick-input-widget input').focus();
      return;
    }
  }
  check(false, `the quick pick did not tick the row '${text}' (4 clicks)`);
}

export async function showRunsView(page) {
  const header = page.locator('.part.sidebar .pane-header', { hasText: 'Runs' });
  if (await header.isVisible().catch(() => false)) return;
  await page.click(ACTIVITY_ITEM);
  await header.waitFor({ timeout: 30_000 });
}

/**
 * The Runs view's row that contains `text`, scrolled wholly into view: the tree renders only the rows in view and
 * keeps its scroll position, so a new run (at the top) may be above the rows shown, or cut by the view's edge where
 * a click lands on something else. Starts at the top (the runs the tests write are the newest), then scrolls down a
 * step at a time until the row shows whole or `timeoutMs` passes. Scrolls with wheel events sent to the list itself:
 * a wheel of the mouse would go to whatever hover the pointer opened over it.
 */
export async function sidebarRow(page, text, timeoutMs = 30_000) {
  const list = page
    .locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: 'Runs' }) })
    .locator('.monaco-list')
    .first();
  const row = list.locator('.monaco-list-row', { hasText: text }).first();
  const scrollable = list.locator('.monaco-scrollable-element').first();
  const wheel = (deltaY) => scrollable.dispatchEvent('wheel', { deltaY, deltaMode: 0, bubbles: true, cancelable: true }).catch(() => {});
  await list.waitFor({ timeout: timeoutMs });
  const whole = async () => {
    const [r, l] = await Promise.all([row.boundingBox().catch(() => null), list.boundingBox().catch(() => null)]);
    return !!r && !!l && r.height > 0 && r.y >= l.y - 0.5 && r.y + r.height <= l.y + l.height + 0.5;
  };
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    if (i % 40 === 0) await wheel(-1_000_000); // to the top (again, past the end)
    await page.waitForTimeout(200);
    if ((await row.isVisible().catch(() => false)) && (await whole())) return row;
    if (Date.now() > deadline) break;
    await wheel(60);
  }
  await row.waitFor({ timeout: 1 }); // fails naming the locator
  throw new Error(`the Runs view row "${text}" shows only in part`);
}

/** Right-clicks the Runs view row that contains `text` and chooses `item` from its context menu. */
export async function contextMenu(page, text, item) {
  const row = await sidebarRow(page, text);
  await page.keyboard.press('Escape'); // a menu or dialog left open would cover the row
  await row.click({ button: 'right' });
  const entry = page.locator('.context-view .action-item', { hasText: item }).first();
  await entry.waitFor({ timeout: 10_000 });
  // The menu ignores a click while it is still fading in.
  await page.waitForTimeout(300);
  await entry.click();
}

let live; // the fine-tune run the tests write step by step
let realBaseline; // run.json of the TF-IDF baseline the host trained

export const pageTests = [
  {
    name: 'the view container shows the Datasets and Runs views',
    async run({ page, screenshot }) {
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.waitForSelector(ACTIVITY_ITEM, { state: 'visible', timeout: 60_000 });
      await page.click(ACTIVITY_ITEM);
      await page.locator('.part.sidebar .pane-header', { hasText: 'Datasets' }).waitFor({ timeout: 30_000 });
      await page.locator('.part.sidebar .pane-header', { hasText: 'Runs' }).waitFor({ timeout: 30_000 });
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Movie reviews' }).waitFor({ timeout: 30_000 });
      await screenshot('views-empty');
    },
  },
  {
    name: 'a run folder written on disk appears in the Runs view with its live state',
    async run({ page, ws, writeRun }) {
      live = writeRun.startRun(join(ws, 'runs'), { id: 'page-finetune', model: 'starter' });
      live.steps(1, 30);
      // Named by its model and settings (run.json's name); the id is in the tooltip.
      const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'starter · full · 2 ep · lr 5e-5' });
      await row.waitFor({ timeout: 30_000 });
      check((await row.textContent()).includes('running'), 'the run row should say it is running');
      check(!(await row.textContent()).includes('page-finetune'), 'the row shows the name, not the id');
    },
  },
  {
    name: "walkthrough: Evaluate and Compare complete from a context-menu Compare With… and a comparison panel's link",
    async run({ page, ws, writeRun }) {
      // Runs through entry points that call the commands from inside the extension (no workbench command event):
      // the Runs view's Compare With…, then the comparison table's link to a run's results.
      const runs = join(ws, 'runs');
      for (const [id, acc] of [
        ['page-wt-a', 0.8],
        ['page-wt-b', 0.7],
      ]) {
        const r = writeRun.startRun(runs, { id, model: `wt-model-${id.slice(-1)}` });
        r.steps(1, 3);
        r.complete(40, acc);
      }
      await openWalkthrough(page);
      for (const step of ['evaluate', 'compare']) {
        await page.locator(`[data-done-step-id$="${step}"]`).first().waitFor({ timeout: 20_000 });
        check(
          (await page.locator(`[data-done-step-id$="${step}"]`).first().getAttribute('aria-checked')) === 'false',
          `the ${step} step should start unchecked`,
        );
      }
      await showRunsView(page);
      await contextMenu(page, 'wt-model-a', 'Compare With…');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('page-wt-b');
      await tickQuickPickRow(page, 'page-wt-b');
      await page.keyboard.press('Enter');
      const cmp = await webviewFrame(page, 'table.data a[data-dir$="page-wt-b"]');
      await cmp.click('table.data a[data-dir$="page-wt-b"]');
      await webviewFrame(page, 'h1[data-run="page-wt-b"]');
      await openWalkthrough(page);
      await page.locator('[data-done-step-id$="compare"][aria-checked="true"]').first().waitFor({ timeout: 20_000 });
      await page.locator('[data-done-step-id$="evaluate"][aria-checked="true"]').first().waitFor({ timeout: 20_000 });
      // Leave the window as the later tests expect it: no extra panels, no extra completed runs.
      await commandWithPicks(page, 'View: Close All Editors', []);
      for (const id of ['page-wt-a', 'page-wt-b']) rmSync(join(runs, id), { recursive: true, force: true });
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'wt-model-a' }).waitFor({ state: 'detached', timeout: 30_000 });
    },
  },
  {
    name: 'Open Results from the palette shows live charts that grow with metrics.jsonl',
    async run({ page, screenshot }) {
      await commandWithPicks(page, 'Guided Fine-Tune: Open Results', ['page-finetune']);
      const frame = await webviewFrame(page, '[data-chart="loss"][data-points]');
      // 30 steps: 30 raw + 30 smoothed train-loss points + 3 validation losses.
      await waitForValue(
        () => chartPoints(frame, 'loss'),
        (n) => n === 63,
        'the loss chart to hold 63 points',
      );
      check((await frame.$$('[data-chart="loss"] canvas')).length > 0, 'uPlot should have drawn a canvas');
      live.steps(31, 60);
      await waitForValue(
        () => chartPoints(frame, 'loss'),
        (n) => n === 126,
        'the loss chart to grow to 126 points',
      );
      check((await chartPoints(frame, 'lr')) === 60, 'the learning-rate chart should have 60 points');
      await page.waitForTimeout(300);
      await screenshot('results-training-light');
    },
  },
  {
    name: 'Cancel Run asks the host and answers in one readable line (the host is not running that run)',
    async run({ page }) {
      await commandWithPicks(page, 'Guided Fine-Tune: Cancel Run', ['page-finetune']);
      const toast = page.locator('.notifications-toasts .notification-list-item-message').last();
      await toast.waitFor({ timeout: 30_000 });
      const text = await toast.textContent();
      // The run was written by the test, not started by this host: the host cancels nothing and the user is told so.
      // (A host without run/cancel would answer "cannot cancel runs yet": the command never pretends.)
      check(/page-finetune was not running in this host|cannot cancel runs yet/.test(text), `unexpected message: ${text}`);
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'a completed run shows test metrics and the misclassified examples, most confident first',
    async run({ page, ws, writeRun, screenshot }) {
      await live.checkpoint('best');
      live.complete(400, 0.85);
      const baseline = writeRun.startRun(join(ws, 'runs'), { id: 'page-tfidf', kind: 'baseline-tfidf', seed: 7 });
      baseline.complete(400, 0.88);
      const frame = await webviewFrame(page, '[data-status="completed"]').catch(async (e) => {
        const f = await webviewFrame(page, '[data-status]', 1000);
        throw new Error(`${e.message}; the panel shows: ${(await f.textContent('header'))?.slice(0, 200)}`);
      });
      await frame.click('[data-tab="mistakes"]');
      await frame.waitForSelector('.mistake', { timeout: 15_000 });
      const confidences = await frame.$$eval('.mistake .meta', (els) => els.map((e) => Number(/([\d.]+)% confident/.exec(e.textContent)?.[1])));
      check(confidences.length > 0 && confidences.every(Number.isFinite), 'each mistake should show its confidence');
      check(
        confidences.every((c, i) => i === 0 || confidences[i - 1] >= c),
        `mistakes should be sorted by confidence: ${confidences.slice(0, 5)}`,
      );
      // Keyboard: the list is one tab stop (a listbox); the arrow keys move through the mistakes and the detail follows.
      await frame.focus('.mistake');
      await page.keyboard.press('ArrowDown');
      const focused = await frame.evaluate(() => {
        const all = [...document.querySelectorAll('.mistake')];
        return all.indexOf(document.activeElement);
      });
      check(focused === 1, `ArrowDown from the first mistake should focus the second, focused index ${focused}`);
      const second = await frame.getAttribute('.mistake:nth-child(2)', 'data-id');
      check((await frame.getAttribute('.detail', 'data-id')) === second, 'the detail should show the focused mistake');
      await screenshot('results-mistakes-light');
      await frame.click('[data-tab="metrics"]');
      await frame.waitForSelector('table.data th:has-text("Test accuracy")');
      const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'starter · full · 2 ep · lr 5e-5' });
      await waitForValue(
        async () => (await row.textContent()) ?? '',
        (t) => /test acc \d+\.\d%/.test(t),
        'the tree to show the test accuracy',
      );
    },
  },
  {
    name: 'Compare Runs puts the fine-tune and the baseline side by side',
    async run({ page, screenshot }) {
      await runCommand(page, 'Guided Fine-Tune: Compare Runs');
      // Completed runs with test metrics are pre-selected; accept them.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'page-tfidf' }).waitFor({ timeout: 10_000 });
      await waitForValue(
        () => page.locator('.quick-input-list .monaco-list-row[aria-checked="true"]').count(),
        (n) => n === 2,
        'both completed runs to be pre-selected',
      );
      await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
      const frame = await webviewFrame(page, 'table.data[data-rows="2"]');
      // Rows are named by the runs' names; the id is the link's tooltip.
      const best = await frame.textContent('tr.best th a');
      check(
        best?.trim() === 'TF-IDF baseline' && (await frame.getAttribute('tr.best th a', 'title')) === 'run page-tfidf',
        `the higher test accuracy should be marked best, got ${best}`,
      );
      check((await frame.textContent('table.data')).includes('starter · full · 2 ep · lr 5e-5'), 'the fine-tune is named in the table');
      await page.waitForTimeout(300);
      await screenshot('compare-light');
    },
  },
  {
    name: 'Add Dataset and Split Dataset ask the real host, say what they did, and show the counts in the Datasets view',
    async run({ page, screenshot }) {
      const toast = (text) => page.locator('.notifications-toasts .notification-list-item-message', { hasText: text }).first();
      await runCommand(page, 'Guided Fine-Tune: Add Dataset');
      await pick(page, 'Movie reviews (built-in)');
      const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Movie reviews' });
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'built-in · 2000 texts' }).waitFor({ timeout: 60_000 });
      // Feedback: what was added, and that it is already split (the default 10% / 20%, stratified).
      await toast('Added Movie reviews (built-in): 2000 examples, 2 labels: train 1400 · validation 200 · test 400').waitFor({ timeout: 20_000 });
      check(/default split/.test(await toast('Added Movie reviews').textContent()), 'the message should say the dataset is already split');
      // A notification arriving while the next quick pick is open can close it: clear them first, and retry the picks.
      await runCommand(page, 'Notifications: Clear All Notifications');
      await commandWithPicks(page, 'Guided Fine-Tune: Split Dataset', ['Movie reviews (built-in)']);
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('0.15 0.25 7');
      await page.keyboard.press('Enter');
      await row.click();
      await page.keyboard.press('ArrowRight'); // expand
      // 2000 reviews, stratified: 15% validation and 25% test of each label.
      await toast('Movie reviews (built-in) split (15% validation, 25% test, seed 7): 2000 examples, 2 labels: train 1200 · validation 300 · test 500').waitFor(
        { timeout: 60_000 },
      );
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'train 1200 · val 300 · test 500' }).waitFor({ timeout: 60_000 });
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'neg 1000' }).first().waitFor({ timeout: 10_000 });
      check(
        (await page.locator('.part.sidebar .monaco-list-row', { hasText: 'neg 1000' }).first().textContent()).includes('600 · 150 · 250'),
        'per label: train · validation · test',
      );
      // Readable at the default side bar width: no row's label or description is cut.
      const measured = await page.$$eval('.part.sidebar .monaco-list-row .monaco-icon-label-container', (els) =>
        els
          .filter((e) => e.offsetParent && /Movie reviews|train \d|neg \d|pos \d/.test(e.textContent ?? ''))
          .map((e) => ({ text: e.textContent, cut: e.scrollWidth > e.clientWidth + 1 })),
      );
      check(measured.length >= 4, `the dataset, split and label rows should be measured: ${JSON.stringify(measured)}`);
      const cut = measured.filter((r) => r.cut).map((r) => r.text);
      check(cut.length === 0, `Datasets view rows cut at the default width: ${JSON.stringify(cut)}`);
      // The same values again: nothing changes, and the message says so.
      await runCommand(page, 'Notifications: Clear All Notifications');
      await commandWithPicks(page, 'Guided Fine-Tune: Split Dataset', ['Movie reviews (built-in)']);
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('0.15 0.25 7');
      await page.keyboard.press('Enter');
      await toast('Movie reviews (built-in): split unchanged (15% validation, 25% test, seed 7 gives the same examples in each part)').waitFor({
        timeout: 60_000,
      });
      await screenshot('views-datasets-light');
    },
  },
  {
    name: 'Run Baseline from the palette runs the real host: TF-IDF on the movie reviews lands near 88%',
    async run({ page, ws, screenshot }) {
      const before = new Set(readdirSync(join(ws, 'runs')));
      await commandWithPicks(page, 'Guided Fine-Tune: Run Baseline', ['TF-IDF + logistic regression']);
      await pick(page, 'Movie reviews (built-in)');
      // The host creates the run folder, trains, evaluates on the held-out test split and completes run.json.
      // Meanwhile its progress notifications show in the status bar and in the run's row.
      const phase = /(loading|tokenizing|features|training|evaluating|predicting|saving)/;
      let statusSeen = '';
      let rowSeen = '';
      const statusTexts = new Set();
      const rowTexts = new Set();
      const manifest = await waitForValue(
        async () => {
          const status = (await page.locator('.part.statusbar').textContent()) ?? '';
          if (!statusSeen && phase.test(status)) statusSeen = status;
          if (phase.test(status)) statusTexts.add(status);
          const rows = await page.locator('.part.sidebar .monaco-list-row', { hasText: 'TF-IDF baseline' }).allTextContents();
          rowSeen ||= rows.find((t) => phase.test(t)) ?? '';
          for (const t of rows) if (phase.test(t)) rowTexts.add(t);
          const dir = readdirSync(join(ws, 'runs')).find((n) => !before.has(n));
          const path = dir && join(ws, 'runs', dir, 'run.json');
          return path && existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
        },
        (m) => m && m.status !== 'running',
        'the baseline run to finish',
        240_000,
      );
      check(manifest.status === 'completed', `the baseline run ended ${manifest.status}: ${manifest.error ?? ''}`);
      check(statusSeen, "the status bar never showed the job's progress");
      check(rowSeen, "the running baseline's row never showed its progress");
      // The regularisation search shows which candidate strength is being fitted, never a made-up fraction of
      // L-BFGS iterations ("training 1/1000 (0%)"); the tree shows the same line as the status bar.
      const all = [...statusTexts, ...rowTexts];
      check(
        all.every((t) => !/\/1000\b/.test(t)),
        `progress claimed a fraction of 1000 iterations: ${all.find((t) => /\/1000\b/.test(t))}`,
      );
      check(
        [...statusTexts].some((t) => /training · C [123]\/3 \(C=\d+\) · iteration \d+/.test(t)),
        `the status bar should name the candidate C: ${JSON.stringify([...statusTexts].slice(0, 5))}`,
      );
      // The fit now takes well under a second on the sparse kernels, so the tree (refreshed on its own clock) may
      // miss the training phase altogether; what it shows of it must read like the status bar.
      const rowTraining = [...rowTexts].filter((t) => /training/.test(t));
      check(
        rowTraining.every((t) => /training · C [123]\/3 \(C=\d+\) · iteration \d+/.test(t)),
        `the Runs view should show the same: ${JSON.stringify(rowTraining.slice(0, 5))}`,
      );
      check(
        all.every((t) => !/training[^%]*%/.test(t)),
        `no percentage while fitting: ${all.find((t) => /training[^%]*%/.test(t))}`,
      );
      // page-tfidf (written by an earlier test) already has the name: the host numbers the new one.
      check(/^TF-IDF baseline( #\d+)?$/.test(manifest.name), `run.json's default name: ${manifest.name}`);
      check(manifest.kind === 'baseline-tfidf', `unexpected kind ${manifest.kind}`);
      realBaseline = manifest;
      const acc = manifest.test.accuracy;
      check(acc > 0.8 && acc < 0.95, `TF-IDF + logistic regression test accuracy ${acc} is far from the ~88% expected on this corpus`);
      const shown = `test acc ${(100 * acc).toFixed(1)}%`;
      const row = page.locator('.part.sidebar .monaco-list-row', { hasText: shown });
      await row.first().waitFor({ timeout: 20_000 });
      await page
        .locator('.notifications-toasts .notification-list-item-message', { hasText: `test accuracy ${(100 * acc).toFixed(1)}%` })
        .first()
        .waitFor({ timeout: 20_000 });
      await screenshot('baseline-done-light');
      // Its mistakes, with the review texts (the built-in data ships with the extension).
      await commandWithPicks(page, 'Guided Fine-Tune: Open Results', [manifest.id]);
      const frame = await webviewFrame(page, `h1[data-run="${manifest.id}"]`);
      await frame.click('[data-tab="mistakes"]');
      // The list's rows are light (no texts); the opened row's text comes from the host.
      await frame.waitForSelector('.mistake', { timeout: 15_000 });
      await frame.focus('.mistake');
      await frame.waitForSelector('.detail .text-slot .text', { timeout: 15_000 });
      const wrong = manifest.test.confusion[0][1] + manifest.test.confusion[1][0];
      const summary = await frame.textContent('.filters .meta');
      check(summary.startsWith(`${wrong} of ${manifest.test.n} test examples are wrong`), `mistake count: ${summary}`);
      const firstText = await frame.textContent('.detail .text-slot .text');
      check(firstText.split(/\s+/).length > 50, 'the first mistake should show the review text');
      await page.waitForTimeout(300);
      await screenshot('results-mistakes-baseline-light');
    },
  },
  {
    name: 'Try the Model on a Text and Evaluate on Another Dataset use the real baseline',
    async run({ page }) {
      check(realBaseline, 'needs the baseline run of the previous test');
      await commandWithPicks(page, 'Guided Fine-Tune: Try the Model on a Text', [realBaseline.id]);
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('a wonderful , moving film : a terrific cast , a great script and the best performance of the year .');
      await page.keyboard.press('Enter');
      const answer = page.locator('.notifications-toasts .notification-list-item-message', { hasText: /^(neg|pos) \(neg \d+\.\d%, pos \d+\.\d%\)$/ });
      await answer.first().waitFor({ timeout: 60_000 });
      const text = await answer.first().textContent();
      check(text.startsWith('pos'), `a glowing sentence should be classified positive: ${text}`);
      await commandWithPicks(page, 'Guided Fine-Tune: Evaluate on Another Dataset', [realBaseline.id]);
      await pick(page, 'Movie reviews (built-in)');
      const result = page.locator('.notifications-toasts .notification-list-item-message', {
        hasText: `${realBaseline.id} on Movie reviews (built-in): accuracy`,
      });
      await result.first().waitFor({ timeout: 120_000 });
      const m = /accuracy (\d+\.\d)% .* on (\d+) examples/.exec(await result.first().textContent());
      check(m, 'the evaluation message should give the accuracy and the number of examples');
      // Evaluated on the same split's test part: the same numbers as the run's own test metrics.
      check(Number(m[2]) === realBaseline.test.n, `evaluated on ${m[2]} examples, the run's test split has ${realBaseline.test.n}`);
      check(m[1] === (100 * realBaseline.test.accuracy).toFixed(1), `accuracy ${m[1]}% differs from the run's test accuracy ${realBaseline.test.accuracy}`);
    },
  },
  {
    name: 'the training host exits mid-run: the status bar leaves the run at once and the run is marked failed',
    async run({ page, ws }) {
      const runs = join(ws, 'runs');
      const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
      await commandWithPicks(page, 'Guided Fine-Tune: Run Baseline', ['TF-IDF + logistic regression']);
      await pick(page, 'Movie reviews (built-in)');
      const statusBar = async () => (await page.locator('.part.statusbar').textContent()) ?? '';
      await waitForValue(statusBar, (t) => /training · C \d\/3/.test(t), 'the baseline to be fitting', 180_000);
      const id = readdirSync(runs).find((n) => !before.has(n) && existsSync(join(runs, n, 'run.json')));
      const file = join(runs, id, 'run.json');
      // The host process dies (as if it crashed or was killed): the client marks the run failed and starts a new
      // host on the next request; nothing may keep showing the dead run as training.
      process.kill(JSON.parse(readFileSync(file, 'utf8')).hostPid, 'SIGKILL');
      await waitForValue(
        () => JSON.parse(readFileSync(file, 'utf8')).status,
        (st) => st === 'failed',
        'the run to be marked failed',
        30_000,
      );
      await waitForValue(statusBar, (t) => !/training|features|evaluating/.test(t), 'the status bar to leave the run', 15_000);
      await page.waitForTimeout(2500);
      check(!/training|features|evaluating/.test(await statusBar()), `the status bar went back to the dead run: ${await statusBar()}`);
      const row = page.locator('.part.sidebar .monaco-list-row', { hasText: /TF-IDF baseline/ }).filter({ hasText: 'failed' });
      await row.first().waitFor({ timeout: 20_000 });
    },
  },
  {
    name: 'Fine-Tune from the palette trains the starter model for real: live chart, step and ETA in the panel, Cancel there; the status bar follows',
    async run({ page, ws, screenshot }) {
      const runs = join(ws, 'runs');
      const before = new Set(readdirSync(runs));
      // The command opens the guided form (page-tests-form.mjs tests it in full); its defaults start the run.
      await runCommand(page, 'Guided Fine-Tune: Fine-Tune a Model');
      const form = await webviewFrame(page, '[data-action="start"]');
      await form.waitForSelector('#field-model', { timeout: 20_000 });
      check((await form.$eval('#field-model', (e) => e.value)) === 'starter', 'the model should default to the guidedFinetune.defaultModel setting');
      check((await form.$eval('#field-dataset', (e) => e.value)) === 'builtin:movie-reviews', 'the built-in movie reviews should be the chosen dataset');
      await form.click('[data-action="start"]');
      const steps = (dir) => {
        const f = join(runs, dir, 'metrics.jsonl');
        return existsSync(f)
          ? readFileSync(f, 'utf8')
              .split('\n')
              .filter((l) => l.includes('"type":"step"')).length
          : 0;
      };
      const id = await waitForValue(
        () => readdirSync(runs).find((n) => !before.has(n) && existsSync(join(runs, n, 'run.json'))),
        Boolean,
        'the fine-tune run folder',
        120_000,
      );
      await waitForValue(
        () => steps(id),
        (n) => n >= 2,
        'two real training steps',
        240_000,
      );
      await commandWithPicks(page, 'Guided Fine-Tune: Open Results', [id]);
      const frame = await webviewFrame(page, `h1[data-run="${id}"]`);
      const first = await waitForValue(
        () => chartPoints(frame, 'loss'),
        (n) => n >= 4,
        'the live loss chart',
        60_000,
      );
      // The chart keeps up with the engine: more points arrive while the panel is open.
      await waitForValue(
        () => chartPoints(frame, 'loss'),
        (n) => n > first,
        'more live points',
        120_000,
      );
      // The panel says where the run is: the step out of the total and the time left, with a Cancel button.
      const live = await waitForValue(
        async () =>
          frame
            .$eval('.live [data-progress]', (e) => ({
              text: e.textContent,
              step: Number(e.getAttribute('data-step')),
              total: Number(e.getAttribute('data-total')),
              eta: e.getAttribute('data-eta'),
            }))
            .catch(() => undefined),
        (v) => v && v.step > 0 && v.eta !== '',
        "the panel's step and time left",
        60_000,
      );
      check(
        new RegExp(`^training · step ${live.step}/${live.total} \\(\\d+%\\) · epoch \\d+ · loss [\\d.]+ · .+ left$`).test(live.text),
        `panel progress: ${live.text}`,
      );
      check(live.total > live.step && Number(live.eta) > 0, `a step of the total with a finite ETA: ${JSON.stringify(live)}`);
      const statusBar = () => page.locator('.part.statusbar').textContent();
      await waitForValue(statusBar, (t) => /training · step \d+\/\d+/.test(t ?? ''), "the status bar to show the run's step", 30_000);
      await page.waitForTimeout(300);
      await screenshot('results-finetune-live-light');
      await frame.click('.live [data-action="cancel"]');
      const manifest = await waitForValue(
        () => JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8')),
        (m) => m.status !== 'running',
        'the run to stop',
        120_000,
      );
      check(manifest.status === 'cancelled', `the cancelled run ended ${manifest.status}: ${manifest.error ?? ''}`);
      await page
        .locator('.notifications-toasts .notification-list-item-message', { hasText: `Cancelled ${id}` })
        .first()
        .waitFor({ timeout: 20_000 });
      // The status bar and the panel follow the run's real state: nothing says "training" once it was cancelled.
      await waitForValue(statusBar, (t) => !/training|\d+%/.test(t ?? ''), 'the status bar to leave the cancelled run', 15_000);
      await waitForValue(
        () => frame.$eval('.live', (e) => e.hidden),
        (h) => h === true,
        "the panel's progress line to go",
        15_000,
      );
      await page.waitForTimeout(3000);
      check(!/training/.test(await statusBar()), `the status bar went back to training after the cancel: ${await statusBar()}`);
    },
  },
  {
    name: 'the walkthrough mirrors the chapter, step by step, and checks a step when its command runs',
    async run({ page, ws, screenshot }) {
      await openWalkthrough(page);
      for (const step of [
        'Pre-training and fine-tuning in brief',
        'Choose a dataset',
        'Split it: train, validation, test',
        'Run the baselines',
        'Fine-tune',
        'Evaluate',
        'Compare',
        'Reflect',
      ]) {
        await page.locator('.getting-started-step .step-title', { hasText: step }).first().waitFor({ timeout: 20_000 });
      }
      await page.waitForTimeout(500);
      await screenshot('walkthrough-light');
      // Completion events: running a step's command (here Write Reflection) checks the step.
      const reflect = page.locator('[data-done-step-id$="reflect"]').first();
      check((await reflect.getAttribute('aria-checked')) === 'false', 'the Reflect step should start unchecked');
      await runCommand(page, 'Guided Fine-Tune: Write Reflection');
      await page.locator('.tabs-container .tab', { hasText: 'REFLECTION.md' }).waitFor({ timeout: 60_000 });
      // The host measured the facts of the runs on the split with a fine-tuning run (page-finetune, page-tfidf):
      // their test accuracies with bootstrap CIs, the paired test, the three questions of the chapter.
      const text = readFileSync(join(ws, 'REFLECTION.md'), 'utf8');
      const pc = (x) => `${(100 * x).toFixed(1)}%`;
      const row = (id) => {
        const t = JSON.parse(readFileSync(join(ws, 'runs', id, 'run.json'), 'utf8')).test;
        return `${pc(t.accuracy)} | ${pc(t.accuracyCI[0])} – ${pc(t.accuracyCI[1])} |`;
      };
      check(
        text.includes(`| TF-IDF + logistic regression | – | ${row('page-tfidf')}`),
        `REFLECTION.md should give page-tfidf's accuracy and CI: ${text.slice(0, 800)}`,
      );
      check(text.includes(`| Fine-tuned starter | starter | ${row('page-finetune')}`), "REFLECTION.md should give page-finetune's accuracy and CI");
      for (const q of ['## 1. Did fine-tuning beat the earlier models, and why?', '## 2. What would make it better?', '## 3. What limits it in production?'])
        check(text.includes(q), `REFLECTION.md lacks "${q}"`);
      check(/Fine-tuned starter vs TF-IDF \+ logistic regression: .*McNemar exact p/.test(text), 'REFLECTION.md should state the paired test');
      // The walkthrough opened as a preview tab, which REFLECTION.md replaced: open it again.
      await openWalkthrough(page);
      await page.locator('[data-done-step-id$="reflect"][aria-checked="true"]').first().waitFor({ timeout: 20_000 });
    },
  },
  {
    name: 'the results panel follows a switch to a dark theme',
    async run({ page, screenshot }) {
      await commandWithPicks(page, 'Guided Fine-Tune: Open Results', ['page-finetune']);
      await commandWithPicks(page, 'Preferences: Color Theme', ['Dark Modern']);
      await page.waitForSelector('.monaco-workbench.vs-dark', { timeout: 30_000 });
      const frame = await webviewFrame(page, 'body.vscode-dark [data-chart="loss"]');
      await frame.click('[data-tab="training"]');
      await page.waitForTimeout(800);
      await screenshot('results-training-dark');
    },
  },
];
