import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillKeepMask, lrLambda } from '../../../src/engine';

test('dropout masks: keep rate, reproducible per (seed, counter, site), different across them', () => {
  const n = 1 << 20;
  const a = new Uint8Array(n), b = new Uint8Array(n), c = new Uint8Array(n), d = new Uint8Array(n);
  fillKeepMask(a, 0.1, 42, 5, 0);
  fillKeepMask(b, 0.1, 42, 5, 0);
  fillKeepMask(c, 0.1, 42, 6, 0);
  fillKeepMask(d, 0.1, 42, 5, 1);
  assert.deepEqual(a, b);
  const kept = a.reduce((s, x) => s + x, 0) / n;
  assert.ok(Math.abs(kept - 0.9) < 0.002, `keep fraction ${kept}`);
  const agree = (x: Uint8Array, y: Uint8Array) => x.reduce((s, v, i) => s + (v === y[i] ? 1 : 0), 0) / n;
  // independent masks agree on 0.9^2 + 0.1^2 = 0.82 of the positions
  assert.ok(Math.abs(agree(a, c) - 0.82) < 0.005);
  assert.ok(Math.abs(agree(a, d) - 0.82) < 0.005);
});

test('schedules follow HF: linear warmup then linear decay to 0 at totalSteps', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((s) => lrLambda('linear', s, 2, 6)), [0, 0.5, 1, 0.75, 0.5, 0.25, 0]);
  assert.deepEqual([0, 1, 5].map((s) => lrLambda('constant_with_warmup', s, 2, 6)), [0, 0.5, 1]);
  assert.equal(lrLambda('constant', 0, 2, 6), 1);
  assert.throws(() => lrLambda('cosine' as 'linear', 0, 0, 1), /unknown schedule 'cosine'/);
});
