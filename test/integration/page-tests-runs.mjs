// Page tests of the Runs view's context menu: Delete Run (with its modal confirmation) and Compare With….
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, commandWithPicks, contextMenu, showRunsView, sidebarRow, tickQuickPickRow, waitForValue, webviewFrame } from './page-tests.mjs';

export const pageTests = [
  {
    name: 'Delete Run from the Runs view asks first, keeps the run on Cancel and deletes it on Delete',
    async run({ page, ws, writeRun, screenshot }) {
      const runs = join(ws, 'runs');
      const r = writeRun.startRun(runs, { id: 'page-delete-me', model: 'model-to-delete' });
      r.steps(1, 5);
      r.complete(20, 0.8);
      const dir = join(runs, 'page-delete-me');
      await showRunsView(page);
      await sidebarRow(page, 'model-to-delete');
      await contextMenu(page, 'model-to-delete', 'Delete Run');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 10_000 });
      check((await dialog.textContent()).includes('Delete run page-delete-me?'), 'the confirmation should name the run');
      await screenshot('delete-run-confirm');
      await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });
      check(existsSync(join(dir, 'run.json')), 'Cancel must keep the run folder');
      await contextMenu(page, 'model-to-delete', 'Delete Run');
      await dialog.waitFor({ timeout: 10_000 });
      await dialog.locator('.monaco-button', { hasText: /^Delete$/ }).click();
      await waitForValue(
        () => existsSync(dir),
        (v) => v === false,
        'the run folder to be deleted',
      );
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'model-to-delete' }).waitFor({ state: 'detached', timeout: 30_000 });
    },
  },
  {
    name: 'Compare With… on a run compares it with the runs picked',
    async run({ page, ws, writeRun }) {
      const runs = join(ws, 'runs');
      for (const [id, acc] of [
        ['page-cmp-a', 0.8],
        ['page-cmp-b', 0.7],
      ]) {
        const r = writeRun.startRun(runs, { id, model: `model-${id}` });
        r.steps(1, 3);
        r.complete(40, acc);
      }
      await showRunsView(page);
      await sidebarRow(page, 'model-page-cmp-b');
      await contextMenu(page, 'model-page-cmp-a', 'Compare With…');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('page-cmp-b');
      await tickQuickPickRow(page, 'page-cmp-b');
      await page.keyboard.press('Enter');
      // Several results panels may be open by now: wait for a frame whose table names both runs.
      await waitForValue(
        async () => {
          for (const f of page.frames()) {
            const t = await f.evaluate(() => [...document.querySelectorAll('table')].map((x) => x.textContent).join(' ')).catch(() => '');
            if (t.includes('page-cmp-a') && t.includes('page-cmp-b')) return true;
          }
          return false;
        },
        (v) => v === true,
        'a comparison table naming page-cmp-a and page-cmp-b',
        30_000,
      );
    },
  },
  {
    name: 'Rename Run: the new name goes into run.json and shows in the Runs view, the results panel and its tab, and the comparison; the id stays',
    async run({ page, ws }) {
      const file = join(ws, 'runs', 'page-cmp-b', 'run.json');
      check(JSON.parse(readFileSync(file, 'utf8')).name === 'model-page-cmp-b · full · 2 ep · lr 5e-5', 'the host wrote a default name');
      await showRunsView(page);
      await contextMenu(page, 'model-page-cmp-b', 'Rename Run');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      check((await input.inputValue()) === 'model-page-cmp-b · full · 2 ep · lr 5e-5', `the box starts from the current name: ${await input.inputValue()}`);
      await input.fill('   ');
      await page.locator('.quick-input-widget', { hasText: 'Enter a name' }).waitFor({ timeout: 10_000 });
      await input.fill('my second model');
      await page.keyboard.press('Enter');
      const m = await waitForValue(
        () => JSON.parse(readFileSync(file, 'utf8')),
        (v) => v.name === 'my second model',
        'run.json to hold the new name',
        10_000,
      );
      check(m.id === 'page-cmp-b' && m.status === 'completed' && m.test, 'the rest of run.json is kept');
      await sidebarRow(page, 'my second model', 20_000);
      // The comparison panel of the previous test follows the rename.
      await waitForValue(
        async () => {
          for (const f of page.frames()) {
            const t = await f.evaluate(() => document.querySelector('table.data')?.textContent ?? '').catch(() => '');
            if (t.includes('my second model')) return true;
          }
          return false;
        },
        (v) => v === true,
        'the comparison table to show the new name',
        20_000,
      );
      await commandWithPicks(page, 'Guided Fine-Tune: Open Results', ['page-cmp-b']);
      const frame = await webviewFrame(page, 'h1[data-run="page-cmp-b"]');
      check((await frame.textContent('h1[data-run="page-cmp-b"]')) === 'my second model', 'the panel heading is the name');
      check((await frame.getAttribute('h1[data-run="page-cmp-b"]', 'title')) === 'run page-cmp-b', "the id is the heading's tooltip");
      await page.locator('.tabs-container .tab', { hasText: 'Results: my second model' }).waitFor({ timeout: 10_000 });
    },
  },
  {
    name: 'Open Run Folder on a run reveals it in the Explorer view',
    async run({ page }) {
      await showRunsView(page);
      await contextMenu(page, 'model-page-cmp-a', 'Open Run Folder');
      const row = page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: 'page-cmp-a' });
      await row.waitFor({ timeout: 20_000 });
      await page.click('.activitybar a.action-label[aria-label^="Guided Fine-Tune"]');
    },
  },
];
