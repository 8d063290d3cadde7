// The extension's view of ensembles: when the comparison offers "Ensemble these runs" (else why not), and the
// members the Runs view shows under an ensemble run (folders resolved relative to it first). No vscode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunManifest } from '../../../src/protocol';
import { ensembleState } from '../../../src/ui/viewmodel/compareView';
import { ensembleMembers } from '../../../src/ui/viewmodel/runFiles';

const manifest = (id: string, patch: Partial<RunManifest> = {}): RunManifest => ({
  id,
  kind: 'baseline-tfidf',
  status: 'completed',
  config: {},
  dataset: { id: 'movie-reviews', hash: 'h', splitHash: 's1', labels: ['neg', 'pos'] },
  seed: 42,
  packages: {},
  device: 'cpu',
  hostPid: 1,
  startedAt: '2026-12-06T00:00:00Z',
  test: { accuracy: 0.9 } as RunManifest['test'],
  ...patch,
});

test('Ensemble these runs: offered for completed runs of one split, else the reason', () => {
  assert.deepEqual(ensembleState([{ manifest: manifest('a') }, { manifest: manifest('b') }]), { enabled: true });
  assert.match(ensembleState([{ manifest: manifest('a') }]).reason ?? '', /two or more runs/);
  const running = ensembleState([{ manifest: manifest('a') }, { manifest: manifest('b', { status: 'running', test: undefined }) }]);
  assert.equal(running.enabled, false);
  assert.match(running.reason ?? '', /Run b is running/);
  const split = ensembleState([
    { manifest: manifest('a') },
    { manifest: manifest('b', { dataset: { id: 'movie-reviews', hash: 'h', splitHash: 's2', labels: [] } }) },
  ]);
  assert.match(split.reason ?? '', /different splits/);
});

test('Runs view: an ensemble lists its members, found next to it when the runs folder moved', () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-ens-view-'));
  mkdirSync(join(root, 'a'));
  writeFileSync(join(root, 'a', 'run.json'), '{}');
  const m = manifest('e', {
    kind: 'ensemble',
    config: {
      members: [
        { id: 'a', name: 'TF-IDF baseline', dir: '/elsewhere/a', relDir: '../a', weight: 0.35, test: { accuracy: 0.89 } },
        { id: 'b', name: 'starter · full', dir: '/elsewhere/b', relDir: '../b', weight: 0.65 },
      ],
    },
  });
  const members = ensembleMembers(join(root, 'e'), m);
  assert.deepEqual(
    members.map((x) => [x.name, x.dir, x.weight]),
    [
      ['TF-IDF baseline', join(root, 'a'), 0.35],
      ['starter · full', '/elsewhere/b', 0.65],
    ],
  );
  assert.deepEqual(ensembleMembers(root, manifest('x')), []);
});
