// Packs Pang & Lee's sentence polarity dataset v1.0 (rt-polarity.pos / rt-polarity.neg, one snippet a line,
// Windows-1252/Latin-1) into data/rt-polarity.jsonl.gz plus data/rt-polarity.json (provenance, citation, counts,
// checksums): the built-in out-of-domain set for the movie-review models (snippets of ~20 words vs reviews of ~700).
// Usage: node scripts/pack_rt_polarity.mjs [sourceDir=/work/shared/data/rt_polarity] [outDir=data]
// One JSON object per line, sorted by id: {"id":"neg/00001","text":<the line, decoded as windows-1252, trimmed>,
// "label":"neg"}; ids number the source lines from 1. No folds: the corpus has no canonical split.
// Deterministic (gzip header mtime 0): re-running on the same files gives identical bytes.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const src = process.argv[2] ?? '/work/shared/data/rt_polarity';
const outDir = process.argv[3] ?? 'data';
const labels = ['neg', 'pos'];
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

// windows-1252: Latin-1 except 0x80-0x9f, which are printable characters (0x85 ellipsis, 0x91/0x92 quotes,
// 0x96/0x97 dashes). Node's TextDecoder('windows-1252') decodes those bytes as C1 control characters (Latin-1),
// so the table is spelled out here; its five unassigned bytes are an error.
const CP1252_80_9F =
  '\u20ac\0\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\0\u017d\0' +
  '\0\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\0\u017e\u0178';
function decodeCp1252(buf, file) {
  let out = '';
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b < 0x80 || b > 0x9f) out += String.fromCharCode(b);
    else if (CP1252_80_9F[b - 0x80] !== '\0') out += CP1252_80_9F[b - 0x80];
    else throw new Error(`${file} byte ${i}: 0x${b.toString(16)} is not a windows-1252 character`);
  }
  return out;
}

const rows = [];
const sources = {};
let bytes = 0;
for (const label of labels) {
  const buf = readFileSync(join(src, `rt-polarity.${label}`));
  bytes += buf.length;
  sources[`rt-polarity.${label}`] = { bytes: buf.length, sha256: sha256(buf) };
  const lines = decodeCp1252(buf, `rt-polarity.${label}`).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const text = line.trim();
    if (!text) throw new Error(`rt-polarity.${label} line ${i + 1} is empty`);
    rows.push({ id: `${label}/${String(i + 1).padStart(5, '0')}`, text, label });
  });
}
rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const counts = Object.fromEntries(labels.map((l) => [l, rows.filter((r) => r.label === l).length]));
const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const gz = gzipSync(Buffer.from(jsonl, 'utf8'), { level: 9 });

const meta = {
  id: 'rt-polarity',
  name: 'Movie snippets (Pang & Lee sentence polarity dataset v1.0)',
  description:
    '5331 positive and 5331 negative Rotten Tomatoes review snippets (about 20 words each), lower-cased and ' +
    'pre-tokenized. Out of domain for models trained on the full-length movie reviews.',
  labels,
  labelNames: { neg: 'negative', pos: 'positive' },
  counts: { total: rows.length, ...counts },
  provenance: {
    original: 'http://www.cs.cornell.edu/people/pabo/movie-review-data/ (rt-polaritydata.tar.gz, "sentence polarity dataset v1.0")',
    copy:
      'GitHub yoonkim/CNN_sentence commit 23e0e1f7355705bb083043fda05c031b15acb38c (rt-polarity.pos blob a77b54b4241a09f048b24a983ad0ed944c421f72, ' +
      'rt-polarity.neg blob 4fac473004fd2748a0a6595068fa83001954c06c); decoded as windows-1252 (Latin-1), each line trimmed',
    sourceBytes: bytes,
    sources,
    packedBy: 'scripts/pack_rt_polarity.mjs',
  },
  citation:
    'Bo Pang and Lillian Lee. 2005. Seeing stars: Exploiting class relationships for sentiment categorization ' +
    'with respect to rating scales. In Proceedings of ACL 2005, pages 115-124.',
  license: 'The original distribution states no explicit license; it is distributed for research use and asks for the citation above.',
  file: 'rt-polarity.jsonl.gz',
  format: 'gzip of JSON lines {id, text, label}, sorted by id; text is one snippet (one line of the source file)',
  sha256: sha256(gz),
  jsonlSha256: sha256(Buffer.from(jsonl, 'utf8')),
};

mkdirSync(outDir, { recursive: true });
const write = (name, data) => {
  const tmp = join(outDir, `.${name}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, join(outDir, name));
};
write('rt-polarity.jsonl.gz', gz);
write('rt-polarity.json', JSON.stringify(meta, null, 2) + '\n');
console.log(
  `packed ${rows.length} snippets (${JSON.stringify(counts)}, ${bytes} source bytes) -> ${outDir}/rt-polarity.jsonl.gz ` +
    `(${gz.length} bytes, sha256 ${meta.sha256})`,
);
