// Write Reflection when the workspace already has REFLECTION.md (written by the walkthrough test of
// page-tests.mjs): the modal offers a new file instead of replacing the person's edits.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, runCommand, waitForValue } from './page-tests.mjs';

export const pageTests = [
  {
    name: 'Write Reflection never overwrites silently: REFLECTION.md kept, the new one goes to REFLECTION-2.md',
    async run({ page, ws }) {
      const first = join(ws, 'REFLECTION.md');
      check(existsSync(first), 'needs the REFLECTION.md of the walkthrough test');
      const edited = `${readFileSync(first, 'utf8')}\nMy own notes.\n`;
      writeFileSync(first, edited);
      await runCommand(page, 'Guided Fine-Tune: Write Reflection');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 20_000 });
      check((await dialog.textContent()).includes('REFLECTION.md already exists'), 'the dialog should say the file exists');
      await dialog.locator('.monaco-button', { hasText: 'Write REFLECTION-2.md' }).click();
      // Datasets added by earlier tests (the Search test imports a file) make it ask about an out-of-domain check first.
      const tab = page.locator('.tabs-container .tab', { hasText: 'REFLECTION-2.md' });
      await waitForValue(
        async () => {
          const none = page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'No out-of-domain check' });
          if (await none.count()) await none.first().click();
          return tab.count();
        },
        (n) => n > 0,
        'the REFLECTION-2.md tab',
        90_000,
      );
      check(readFileSync(first, 'utf8') === edited, 'REFLECTION.md should be left as the person edited it');
      const second = readFileSync(join(ws, 'REFLECTION-2.md'), 'utf8');
      check(second.includes('## 3. What limits it in production?') && !second.includes('My own notes.'), 'REFLECTION-2.md should be a fresh reflection');
      // Written from the extension, its advice names the form's settings and the commands, never CLI flags (issue #14 item 10).
      const flags = [...second.matchAll(/`(gft [a-z]+|--[a-z-]+)[^`]*`/g)].map((m) => m[0]);
      check(flags.length === 0, `REFLECTION-2.md should name no CLI flags or gft commands: ${flags.join(', ')}`);
      check(
        /\*\*(Try the Model on a Text|Evaluate on Another Dataset)\*\*|“Epochs: \d+”|“Long texts: /.test(second),
        'REFLECTION-2.md should name settings and commands as the extension shows them',
      );
    },
  },
];
