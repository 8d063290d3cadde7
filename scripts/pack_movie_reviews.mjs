// Packs the Pang & Lee polarity v2.0 corpus (pos/*.txt, neg/*.txt) into data/movie-reviews.jsonl.gz plus
// data/movie-reviews.json (provenance, citation, counts, checksums), the built-in dataset the extension ships.
// Usage: node scripts/pack_movie_reviews.mjs [sourceDir=/work/shared/data/polarity_v2] [outDir=data]
// One JSON object per line, sorted by id: {"id":"neg/cv000_29416","text":<file content, lines as in the file>,
// "label":"neg","fold":1}. Folds are the corpus' canonical 10 folds: cv000-cv099 = fold 1, ..., cv900-cv999 = 10.
// The output is deterministic (gzip header mtime 0), so re-running on the same corpus gives identical bytes.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TextDecoder } from 'node:util';

const src = process.argv[2] ?? '/work/shared/data/polarity_v2';
const outDir = process.argv[3] ?? 'data';
const labels = ['neg', 'pos'];

const rows = [];
let bytes = 0;
for (const label of labels) {
  for (const name of readdirSync(join(src, label))
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const m = /^cv(\d{3})_\d+\.txt$/.exec(name);
    if (!m) throw new Error(`unexpected file name ${label}/${name}: expected cvNNN_NNNNN.txt`);
    const buf = readFileSync(join(src, label, name));
    bytes += buf.length;
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    rows.push({ id: `${label}/${name.slice(0, -4)}`, text, label, fold: Math.floor(Number(m[1]) / 100) + 1 });
  }
}
rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const counts = Object.fromEntries(labels.map((l) => [l, rows.filter((r) => r.label === l).length]));
const folds = {};
for (const r of rows) folds[r.fold] = (folds[r.fold] ?? 0) + 1;

const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const gz = gzipSync(Buffer.from(jsonl, 'utf8'), { level: 9 });
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

const meta = {
  id: 'movie-reviews',
  name: 'Movie reviews (Pang & Lee polarity dataset v2.0)',
  description:
    '1000 positive and 1000 negative movie reviews from the rec.arts.movies.reviews newsgroup archive (IMDb), ' +
    "lower-cased and pre-tokenized, one sentence per line. Identical to NLTK's movie_reviews corpus.",
  labels,
  labelNames: { neg: 'negative', pos: 'positive' },
  counts: { total: rows.length, ...counts },
  folds: { description: 'canonical 10-fold cross-validation of Pang & Lee (2004): cv000-cv099 = fold 1, ..., cv900-cv999 = fold 10', sizes: folds },
  provenance: {
    original: 'http://www.cs.cornell.edu/people/pabo/movie-review-data/ (review_polarity.tar.gz, "polarity dataset v2.0", txt_sentoken/)',
    copy:
      'GitHub NashTech-Labs/MachineLearning commit 54b73f0a8b25ed7ea9b68c632c2ab03c4372e93b; neg/cv000_29416.txt from ' +
      "that repository's second, unedited copy (byte-identical to scikit-learn's tutorial data)",
    sourceBytes: bytes,
    packedBy: 'scripts/pack_movie_reviews.mjs',
  },
  citation:
    'Bo Pang and Lillian Lee. 2004. A Sentimental Education: Sentiment Analysis Using Subjectivity Summarization ' +
    'Based on Minimum Cuts. In Proceedings of ACL 2004, pages 271-278.',
  license: 'The original distribution states no explicit license; it is distributed for research use and asks for the citation above.',
  file: 'movie-reviews.jsonl.gz',
  format: "gzip of JSON lines {id, text, label, fold}, sorted by id; text is the review file's content, one sentence per line",
  sha256: sha256(gz),
  jsonlSha256: sha256(Buffer.from(jsonl, 'utf8')),
};

mkdirSync(outDir, { recursive: true });
const write = (name, data) => {
  const tmp = join(outDir, `.${name}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, join(outDir, name));
};
write('movie-reviews.jsonl.gz', gz);
write('movie-reviews.json', JSON.stringify(meta, null, 2) + '\n');
console.log(
  `packed ${rows.length} reviews (${JSON.stringify(counts)}, ${bytes} source bytes) -> ${outDir}/movie-reviews.jsonl.gz ` +
    `(${gz.length} bytes, sha256 ${meta.sha256})`,
);
