// `gft cache`: the embedding cache's size and folder; `gft cache clear` empties it (src/host/jobs/embeddingCache.ts).
import { common, UsageError, type Command } from './common';
import { clearEmbeddingCache, defaultEmbeddingCacheDir, embeddingCacheSize, formatCacheSize } from '../jobs/embeddingCache';

export const cacheCommand: Command = {
  summary: "show the embedding cache's size; `gft cache clear` empties it",
  usage: `Usage: gft cache [clear] [--json]

Frozen embeddings are cached per (model hash, text hash, pooling, max length) in $GFT_EMBEDDING_CACHE, else
~/.cache/guided-finetune/embeddings (GFT_EMBEDDING_CACHE=off turns the cache off). A second embeddings baseline on
the same texts, and every fold of \`gft cv --kind embeddings\` after the first, read the vectors from there.

  (no argument)   print the folder, the encoder settings, the texts cached and the size
  clear           remove every entry (running jobs simply embed their texts again)
  --json          print it as JSON`,
  options: common,
  run: async (v, p, io) => {
    const [action, ...extra] = p;
    if (extra.length || (action !== undefined && action !== 'clear'))
      throw new UsageError(`unknown argument '${[action, ...extra].filter((x) => x !== 'clear').join(' ')}': use \`gft cache\` or \`gft cache clear\``);
    const dir = defaultEmbeddingCacheDir();
    if (dir === null) {
      io.out(v.json ? JSON.stringify({ dir: null, off: true }) : 'embedding cache: off (GFT_EMBEDDING_CACHE=off)');
      return 0;
    }
    const s = action === 'clear' ? clearEmbeddingCache(dir) : embeddingCacheSize(dir);
    if (v.json) io.out(JSON.stringify({ ...s, cleared: action === 'clear' }));
    else io.out(action === 'clear' ? `embedding cache cleared: removed ${formatCacheSize(s)}` : `embedding cache: ${formatCacheSize(s)}`);
    return 0;
  },
};
