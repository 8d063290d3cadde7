import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deletableReason } from '../../../src/ui/viewmodel/runDelete';
import type { RunManifest } from '../../../src/protocol';

function run(root: string, id: string, status: RunManifest['status']): string {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  const m: RunManifest = { id, kind: 'finetune', status, config: {}, seed: 1, packages: {}, device: 'cpu', hostPid: 1, startedAt: '2026-01-01T00:00:00Z' };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(m));
  return dir;
}

test('deletableReason allows finished runs under the runs folder and refuses everything else with a one-line reason', () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-del-'));
  try {
    for (const s of ['completed', 'failed', 'cancelled'] as const) assert.equal(deletableReason(run(root, `r-${s}`, s), root), undefined);
    assert.match(deletableReason(run(root, 'live', 'running'), root) ?? '', /^Run live is still running; cancel it first/);
    // a run folder nested deeper, or the runs folder itself, is not deleted from the view
    assert.match(deletableReason(run(join(root, 'sub'), 'deep', 'completed'), root) ?? '', /not a run folder directly under the runs folder/);
    assert.match(deletableReason(root, root) ?? '', /not a run folder directly under/);
    mkdirSync(join(root, 'plain'));
    assert.match(deletableReason(join(root, 'plain'), root) ?? '', /no readable run\.json/);
    assert.match(deletableReason(join(root, 'gone'), root) ?? '', /no longer exists/);
    for (const r of [deletableReason(join(root, 'plain'), root), deletableReason(join(root, 'live'), root)]) assert.ok(!r!.includes('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
