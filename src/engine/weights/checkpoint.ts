// Reads the weights of a Hugging Face model folder: model.safetensors, or a sharded checkpoint described by
// model.safetensors.index.json ({ weight_map: { tensorName: shardFile } }).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, type ReadOptions, type SafeTensor } from './safetensors';
import { MODEL_WEIGHTS } from '../../shared/runLayout';

export const SINGLE_FILE = MODEL_WEIGHTS;
export const SHARD_INDEX = 'model.safetensors.index.json';

export function readCheckpointFolder(folder: string, opts: ReadOptions = {}): Map<string, SafeTensor> {
  const single = join(folder, SINGLE_FILE);
  if (existsSync(single)) return readSafetensors(single, opts);
  const indexPath = join(folder, SHARD_INDEX);
  if (existsSync(indexPath)) return readSharded(folder, indexPath, opts);
  if (existsSync(join(folder, 'pytorch_model.bin'))) {
    throw new Error(`${folder} has only pytorch_model.bin; convert it to model.safetensors (e.g. with the safetensors "convert" tool) and try again`);
  }
  throw new Error(`${folder} has no ${SINGLE_FILE} or ${SHARD_INDEX}; download the model's safetensors weights into it`);
}

function readSharded(folder: string, indexPath: string, opts: ReadOptions): Map<string, SafeTensor> {
  let map: Record<string, string>;
  try {
    map = (JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> }).weight_map;
  } catch {
    throw new Error(`${indexPath} is not valid JSON; re-download it`);
  }
  if (!map || typeof map !== 'object') throw new Error(`${indexPath} has no weight_map; re-download it`);
  const shards = [...new Set(Object.values(map))];
  const out = new Map<string, SafeTensor>();
  for (const shard of shards) {
    const path = join(folder, shard);
    if (!existsSync(path)) throw new Error(`${indexPath} names shard ${shard}, which is missing from ${folder}; download it`);
    for (const [name, t] of readSafetensors(path, opts)) {
      // The index is authoritative: a tensor stored in a shard it does not map to is ignored.
      if (map[name] === shard) out.set(name, t);
    }
  }
  const missing = Object.keys(map).filter((n) => (!opts.filter || opts.filter(n)) && !out.has(n));
  if (missing.length)
    throw new Error(`${indexPath} maps ${missing.length} tensor(s) (e.g. ${missing[0]}) to shards that do not contain them; re-download the checkpoint`);
  return out;
}
