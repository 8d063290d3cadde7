// Page-side integration tests: run by run-code-server.mjs against a normal VS Code window (code-server in
// Chromium) with this repo loaded as the development extension. Each test gets ctx = { page, ws, root, log,
// screenshot(name) } and throws on failure.
const ACTIVITY_ITEM = '.activitybar a.action-label[aria-label^="Guided Fine-Tune"]';

export const pageTests = [
  {
    name: 'the view container appears in the activity bar',
    async run({ page, screenshot }) {
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.waitForSelector(ACTIVITY_ITEM, { state: 'visible', timeout: 60_000 });
      await page.click(ACTIVITY_ITEM);
      // The side bar now shows the container (its title names it).
      await page.locator('.part.sidebar .composite.title h2', { hasText: /Guided Fine-Tune/i }).waitFor({ timeout: 30_000 });
      await screenshot('activity-bar');
    },
  },
];
