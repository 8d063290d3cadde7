// `gft runs`: list the runs in a runs folder.
import { resolve } from 'node:path';
import { common, str, type Command } from './common';
import { listRuns } from '../runs';
import { pct } from '../../shared/format';

export const runsCommand: Command = {
  summary: 'list the runs in a runs folder',
  usage: 'Usage: gft runs [--root DIR] [--json]\n\n  --root DIR             the runs folder (default: runs)',
  options: { ...common, root: { type: 'string' } },
  run: async (v, _p, io) => {
    const runs = listRuns(resolve(str(v, 'root') ?? 'runs'));
    if (v.json) io.out(JSON.stringify(runs));
    else for (const r of runs) io.out(`${r.id}  ${r.name}  ${r.kind}  ${r.status}${r.testAccuracy !== undefined ? `  test ${pct(r.testAccuracy, 2)}` : ''}`);
    return 0;
  },
};
