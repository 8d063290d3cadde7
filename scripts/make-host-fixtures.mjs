// Writes test/fixtures/host/tiny-{train,eval}.jsonl: 60 + 20 short synthetic reviews whose label is carried by
// two sentiment words among neutral ones; small and separable, for fast host/CLI tests.
// Run: node scripts/make-host-fixtures.mjs
import { mkdirSync, writeFileSync } from 'node:fs';

let s = 5;
const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
const pick = (a, n) => [...a].sort(() => rand() - 0.5).slice(0, n);
const pos = ['great', 'wonderful', 'loved', 'fun', 'brilliant', 'moving'];
const neg = ['awful', 'boring', 'hated', 'dull', 'terrible', 'mess'];
const common = ['the', 'film', 'plot', 'actor', 'story', 'was', 'really', 'quite', 'and', 'scene'];
const row = (i) => {
  const label = i % 2 ? 'pos' : 'neg';
  const words = pick([...pick(common, 5), ...pick(label === 'pos' ? pos : neg, 2)], 7);
  return JSON.stringify({ id: `r${i}`, text: words.join(' '), label });
};
mkdirSync('test/fixtures/host', { recursive: true });
writeFileSync('test/fixtures/host/tiny-train.jsonl', Array.from({ length: 60 }, (_, i) => row(i)).join('\n') + '\n');
writeFileSync('test/fixtures/host/tiny-eval.jsonl', Array.from({ length: 20 }, (_, i) => row(60 + i)).join('\n') + '\n');
console.log('wrote test/fixtures/host/tiny-train.jsonl, tiny-eval.jsonl');
