// Session options: spinning stays off unless asked for (the trainer's TypeScript optimizer shares the cores).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionOptions } from '../../../src/engine/runtime/session';
import { Graph, Program } from '../../../src/engine';

const spin = (o: ReturnType<typeof sessionOptions>) => (o.extra as { session: { intra_op: { allow_spinning: string } } }).session.intra_op.allow_spinning;

test('intra-op spinning is off by default and on with spinning: true; both sessions compute the same', async () => {
  assert.equal(spin(sessionOptions({ threads: 2 })), '0');
  assert.equal(spin(sessionOptions({ threads: 2, spinning: true })), '1');
  const g = new Graph();
  const x = g.input('x', 'float32', [2, 3]);
  g.output('y', g.gemm(x, g.param('w', [4, 3]), null, { transB: true }));
  const feeds = {
    x: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [2, 3] },
    w: { data: Float32Array.from({ length: 12 }, (_, i) => i / 10), dims: [4, 3] },
  };
  const outs = [];
  for (const spinning of [false, true]) {
    const p = await Program.compile(g, { threads: 2, spinning });
    outs.push([...((await p.run(feeds)).y.data as Float32Array)]);
    await p.dispose();
  }
  assert.deepEqual(outs[0], outs[1]);
  assert.ok(Math.abs(outs[0][0] - (0 * 1 + 0.1 * 2 + 0.2 * 3)) < 1e-6);
});
