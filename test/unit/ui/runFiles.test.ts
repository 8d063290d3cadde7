import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlTail, listCheckpoints, listRuns, parseJsonl, readRun } from '../../../src/ui/viewmodel/runFiles';
import type { RunManifest } from '../../../src/protocol';

function manifest(id: string, startedAt: string, extra: Partial<RunManifest> = {}): RunManifest {
  return { id, kind: 'finetune', status: 'running', config: {}, seed: 1, packages: {}, device: 'cpu', hostPid: 1, startedAt, ...extra };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gft-ui-'));
}

test('parseJsonl ignores a torn last line but rejects a damaged middle line', () => {
  assert.deepEqual(parseJsonl('{"a":1}\n{"a":2}\n{"a":'), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(parseJsonl('{"a":1}\n\n{"a":2}\n'), [{ a: 1 }, { a: 2 }]);
  assert.throws(() => parseJsonl('{"a":1}\n{oops\n{"a":2}\n', 'm.jsonl'), /m\.jsonl:2 is not valid JSON/);
});

test('listRuns finds folders with run.json, newest first, and skips foreign or damaged folders', () => {
  const root = tmp();
  try {
    for (const [id, t] of [
      ['a', '2026-01-01T00:00:00Z'],
      ['b', '2026-03-01T00:00:00Z'],
      ['c', '2026-02-01T00:00:00Z'],
    ] as const) {
      mkdirSync(join(root, id));
      writeFileSync(join(root, id, 'run.json'), JSON.stringify(manifest(id, t)));
    }
    mkdirSync(join(root, 'notarun'));
    mkdirSync(join(root, 'damaged'));
    writeFileSync(join(root, 'damaged', 'run.json'), '{"id": "x", ');
    writeFileSync(join(root, 'file.txt'), 'x');
    assert.deepEqual(
      listRuns(root).map((r) => r.manifest.id),
      ['b', 'c', 'a'],
    );
    assert.deepEqual(listRuns(join(root, 'missing')), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readRun reads metrics, predictions and checkpoints (step order, temporaries hidden)', () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'run.json'), JSON.stringify(manifest('r', '2026-01-01T00:00:00Z')));
    writeFileSync(join(dir, 'metrics.jsonl'), '{"type":"step","step":1,"epoch":0,"loss":0.7,"lr":1e-5,"step_ms":5,"time":"t"}\n');
    writeFileSync(join(dir, 'predictions.jsonl'), '{"id":"x","label":0,"pred":1,"probs":[0.2,0.8]}\n');
    for (const n of ['step-10', 'step-2', 'best', '.step-12.tmp', 'last']) mkdirSync(join(dir, 'checkpoints', n), { recursive: true });
    const r = readRun(dir);
    assert.ok(r);
    assert.equal(r.metrics.length, 1);
    assert.equal(r.predictions[0].pred, 1);
    assert.deepEqual(r.checkpoints, ['best', 'last', 'step-2', 'step-10']);
    assert.deepEqual(listCheckpoints(join(dir, 'nope')), []);
    assert.equal(readRun(join(dir, 'checkpoints')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('JsonlTail returns only complete new lines, keeps a partial line for later, and restarts on truncation', () => {
  const dir = tmp();
  const path = join(dir, 'metrics.jsonl');
  try {
    const tail = new JsonlTail<{ n: number }>(path);
    assert.deepEqual(tail.read(), { records: [], reset: false });
    writeFileSync(path, '{"n":1}\n{"n":2}\n{"n":');
    assert.deepEqual(tail.read().records, [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(tail.read().records, []);
    appendFileSync(path, '3}\n{"n":4}\n');
    assert.deepEqual(tail.read().records, [{ n: 3 }, { n: 4 }]);
    writeFileSync(path, '{"n":9}\n');
    assert.deepEqual(tail.read(), { records: [{ n: 9 }], reset: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
