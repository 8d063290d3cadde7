// Temporary folders of unit tests. A test that trains writes run folders of a few hundred MB (checkpoints of the
// starter model), so each test removes its own when it ends, pass or fail, rather than leaving them to the end of the
// suite (scripts/private-tmpdir.mjs removes whatever a test file's process left).
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty folder under the temp folder, named `<prefix>XXXXXX`, removed when test `t` ends. */
export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
