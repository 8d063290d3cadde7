// The frozen-embedding baselines stream texts in groups: bounded work per group, same rows as one pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embedInGroups } from '../../../src/host/jobs/embedGroups';

const fakeEmbed = (t: string) => Float32Array.from([t.length, t.charCodeAt(0) || 0, t.split(' ').length]);

test('embedInGroups: groups of at most groupSize texts, rows in text order, progress in texts up to the total', async () => {
  const texts = Array.from({ length: 23 }, (_, i) => `text ${i} ${'x'.repeat(i % 5)}`);
  const seen: number[] = [];
  const progress: number[] = [];
  const rows = await embedInGroups(
    texts,
    3,
    async (group, onFraction) => {
      seen.push(group.length);
      onFraction(0.5);
      return group.map(fakeEmbed);
    },
    (done, total) => {
      assert.equal(total, 23);
      progress.push(done);
    },
    5,
  );
  assert.deepEqual(seen, [5, 5, 5, 5, 3]);
  assert.equal(rows.length, 23);
  rows.forEach((r, i) => assert.deepEqual(Array.from(r), Array.from(fakeEmbed(texts[i])), `row ${i}`));
  assert.equal(progress[progress.length - 1], 23);
  progress.forEach((p, i) => assert.ok(i === 0 || p >= progress[i - 1], `progress goes forward: ${progress.join(',')}`));
  assert.ok(progress.includes(2) && progress.includes(7), `interpolated within a group: ${progress.join(',')}`);
});

test('embedInGroups: a failing group stops the run with its error', async () => {
  await assert.rejects(
    embedInGroups(
      ['a', 'b', 'c'],
      1,
      async (group) => {
        if (group.includes('c')) throw new Error('cancelled');
        return group.map(() => Float32Array.of(1));
      },
      undefined,
      2,
    ),
    /cancelled/,
  );
});
