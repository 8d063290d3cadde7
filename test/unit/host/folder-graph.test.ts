// src/host imports only downward: the graph of its folders (and top-level files) built from the import statements
// of the sources has no cycle, and no module is imported for its side effects alone (no registration on import).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const HOST = resolve(__dirname, '../../../src/host');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : n.endsWith('.ts') ? [p] : [];
  });
}

/** The relative module specifiers a file imports or re-exports (static and dynamic), and its bare side-effect imports. */
export function importsOf(text: string): { specs: string[]; bare: string[] } {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...code.matchAll(/\b(?:import|export)\s[^;'"]*?\bfrom\s*'(\.[^']*)'|\bimport\s*\(\s*'(\.[^']*)'\s*\)/g)].map((m) => m[1] ?? m[2]);
  const bare = [...code.matchAll(/^\s*import\s*'(\.[^']*)'/gm)].map((m) => m[1]);
  return { specs: [...specs, ...bare], bare };
}

/** The node of the graph a path under src/host belongs to: its top folder, or the file itself at the top. */
function nodeOf(path: string): string | undefined {
  const rel = relative(HOST, path);
  if (rel.startsWith('..')) return undefined;
  const [first, ...rest] = rel.split(sep);
  if (rest.length) return first;
  try {
    if (statSync(path).isDirectory()) return first;
  } catch {
    /* a module path without its extension */
  }
  return first.replace(/\.ts$/, '');
}

export function folderGraph(files: string[]): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = nodeOf(file)!;
    for (const spec of importsOf(readFileSync(file, 'utf8')).specs) {
      const to = nodeOf(resolve(dirname(file), spec));
      if (!to || to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${relative(HOST, file)} imports '${spec}'`);
    }
  }
  return edges;
}

/** One cycle of the graph as its edges' reasons, or undefined. */
export function findCycle(edges: Map<string, Map<string, string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (v: string): string[] | undefined => {
    state.set(v, 'open');
    path.push(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (state.get(w) === 'open') {
        const loop = [...path.slice(path.indexOf(w)), w];
        return loop.slice(1).map((to, i) => `${loop[i]} -> ${to} (${edges.get(loop[i])!.get(to)})`);
      }
      if (!state.has(w)) {
        const c = visit(w);
        if (c) return c;
      }
    }
    path.pop();
    state.set(v, 'done');
    return undefined;
  };
  for (const v of edges.keys()) {
    if (state.has(v)) continue;
    const c = visit(v);
    if (c) return c;
  }
  return undefined;
}

test('src/host: the folder import graph has no cycle', () => {
  const edges = folderGraph(sources(HOST));
  assert.ok(edges.size >= 8, `expected the host's folders in the graph, got ${[...edges.keys()].join(', ')}`);
  const cycle = findCycle(edges);
  assert.equal(cycle, undefined, `folder cycle in src/host:\n  ${cycle?.join('\n  ')}`);
});

test('src/host: no module is imported only for its side effects (no registration on import)', () => {
  const bare = sources(HOST).flatMap((f) => importsOf(readFileSync(f, 'utf8')).bare.map((s) => `${relative(HOST, f)}: import '${s}'`));
  assert.deepEqual(bare, []);
});

test('the cycle check finds a cycle through a side-effect import and names the imports that close it', () => {
  const edges = new Map([
    ['jobs', new Map([['train', "jobs/registry.ts imports '../train'"]])],
    [
      'train',
      new Map([
        ['core', 'x'],
        ['jobs', "train/predictor.ts imports '../jobs/predictor'"],
      ]),
    ],
  ]);
  assert.deepEqual(findCycle(edges), ["jobs -> train (jobs/registry.ts imports '../train')", "train -> jobs (train/predictor.ts imports '../jobs/predictor')"]);
  assert.equal(
    findCycle(
      new Map([
        ['jobs', new Map([['train', '']])],
        ['train', new Map([['core', '']])],
      ]),
    ),
    undefined,
  );
  assert.deepEqual(importsOf("import '../train'; // registers\nimport { a } from './b';\nexport * from '../c';\nconst m = await import('../d');").specs, [
    './b',
    '../c',
    '../d',
    '../train',
  ]);
  assert.deepEqual(importsOf("import '../train';").bare, ['../train']);
});
