// When a run folder may be deleted from the Runs view. No vscode import: unit-tested in test/unit/ui.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readManifest } from './runFiles';

/** Why `dir` must not be deleted (one line naming the fix), or undefined when it may be. */
export function deletableReason(dir: string, runsRoot: string): string | undefined {
  if (resolve(dirname(dir)) !== resolve(runsRoot))
    return `${dir} is not a run folder directly under the runs folder ${runsRoot}; delete it by hand if you mean to.`;
  if (!existsSync(dir)) return `${dir} no longer exists; refresh the Runs view.`;
  const m = readManifest(dir);
  if (!m) return `${dir} has no readable run.json, so it is not a run folder; delete it by hand if you mean to.`;
  if (m.status === 'running') return `Run ${m.id} is still running; cancel it first, then delete it.`;
  return undefined;
}
