// Model files from the Hugging Face hub (through @huggingface/hub) or from a local folder, resolved the same way:
// resolveModel(idOrFolder) -> { folder, source, revision, files (with sha256) }. A model needs config.json, a
// tokenizer (tokenizer.json, or a BERT vocab.txt) and safetensors weights (model.safetensors, or the index + shards).
//
// Hub downloads go to <cache>/<org>--<name>/<commit sha>/ (the commit the revision pointed to, from the hub's API),
// and <cache>/<org>--<name>/refs/<revision> records that sha so a later offline call finds the snapshot.
// Each file streams into <file>.part and is renamed when complete; an interrupted download resumes from the
// .part's size with an HTTP Range request; complete files are skipped. LFS files are checked against the sha256
// the hub gives as their ETag. Every failure is a ModelSourceError with a one-line message saying what is missing
// and how to use a local folder instead.
import { SettingError } from '../../shared/settings';
import { downloadFile, fileDownloadInfo, modelInfo, type FileDownloadInfoOutput } from '@huggingface/hub';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export const CONFIG_FILE = 'config.json';
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json', 'vocab.json', 'merges.txt'];
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX = 'model.safetensors.index.json';
const REQUIRED_HINT = 'config.json, tokenizer.json and model.safetensors';
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** Where a message names the model setting: "the model" from the host, `--model` from gft (a SettingError). */
const MODEL = '\u0000model\u0000';

export class ModelSourceError extends SettingError {
  override readonly name = 'ModelSourceError';
  constructor(message: string) {
    const line = message.replace(/\s*\n\s*/g, ' ');
    super(['model'], (n) => line.split(MODEL).join(n('model')));
  }
}

export interface ModelFile {
  name: string;
  size: number;
  sha256: string;
}

export interface ResolvedModel {
  /** The hub id ("org/name") or the folder's absolute path. */
  id: string;
  folder: string;
  source: 'hub' | 'local';
  /** Commit sha for hub snapshots, 'local' for folders. */
  revision: string;
  files: ModelFile[];
}

export interface DownloadProgress {
  file: string;
  /** Bytes of this file on disk so far (resumed bytes included) and its full size. */
  loaded: number;
  total: number;
}

export interface ResolveOptions {
  /** Default: $GFT_MODEL_CACHE, else ~/.cache/guided-finetune/models. */
  cacheDir?: string;
  /** Branch, tag or commit (default 'main'). */
  revision?: string;
  /** Default: $HF_ENDPOINT, else https://huggingface.co. */
  hubUrl?: string;
  /** Default: $HF_TOKEN. */
  accessToken?: string;
  /** Never contact the hub: use a complete cached snapshot or fail. */
  offline?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  fetch?: typeof fetch;
}

export function defaultCacheDir(): string {
  return process.env.GFT_MODEL_CACHE ? resolve(process.env.GFT_MODEL_CACHE) : join(homedir(), '.cache', 'guided-finetune', 'models');
}

/** "org/name" or "name" (hub ids); anything that exists on disk or looks like a path is a folder. */
export function looksLikeHubId(s: string): boolean {
  if (existsSync(s) || /^(\.|\/|~|[A-Za-z]:\\)/.test(s)) return false;
  return /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(s) && !s.includes('..') && !s.includes('--');
}

export async function resolveModel(idOrFolder: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  if (!looksLikeHubId(idOrFolder)) return resolveLocal(idOrFolder);
  return resolveHub(idOrFolder, opts);
}

/** What a model folder lacks: config, tokenizer, weights (whole file or index + every shard). */
export function missingModelFiles(folder: string): string[] {
  const missing: string[] = [];
  if (!existsSync(join(folder, CONFIG_FILE))) missing.push(CONFIG_FILE);
  // Older BERT checkpoints have only vocab.txt; the tokenizer module builds the same tokenizer from it.
  if (!existsSync(join(folder, 'tokenizer.json')) && !existsSync(join(folder, 'vocab.txt'))) missing.push('tokenizer.json');
  if (!existsSync(join(folder, WEIGHTS_FILE))) {
    if (existsSync(join(folder, WEIGHTS_INDEX))) {
      for (const shard of shardNames(join(folder, WEIGHTS_INDEX))) if (!existsSync(join(folder, shard))) missing.push(shard);
    } else missing.push(WEIGHTS_FILE);
  }
  return missing;
}

function shardNames(indexPath: string): string[] {
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch {
    throw new ModelSourceError(`${indexPath} is not valid JSON; download it again or replace it with the repository's ${WEIGHTS_INDEX}`);
  }
  const shards = [...new Set(Object.values(index.weight_map ?? {}))].sort();
  for (const s of shards) {
    if (s !== basename(s) || !s.endsWith('.safetensors'))
      throw new ModelSourceError(`${indexPath} names an unexpected shard file "${s}"; shards must be .safetensors files in the same folder`);
  }
  return shards;
}

/** Files of a model folder that resolveModel reports: config, tokenizer files present, weights. */
function modelFileNames(folder: string): string[] {
  const names = [CONFIG_FILE, ...TOKENIZER_FILES].filter((f) => existsSync(join(folder, f)));
  if (existsSync(join(folder, WEIGHTS_FILE))) names.push(WEIGHTS_FILE);
  else if (existsSync(join(folder, WEIGHTS_INDEX))) names.push(WEIGHTS_INDEX, ...shardNames(join(folder, WEIGHTS_INDEX)));
  return names;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function resolveLocal(folder: string): Promise<ResolvedModel> {
  const abs = resolve(folder.replace(/^~(?=\/|$)/, homedir()));
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new ModelSourceError(`model folder ${abs} does not exist; give a hub id like bert-base-uncased or a folder with ${REQUIRED_HINT}`);
  }
  const missing = missingModelFiles(abs);
  if (missing.length) {
    const bin = existsSync(join(abs, 'pytorch_model.bin'))
      ? ' (pytorch_model.bin is there: convert it to safetensors, e.g. save_pretrained(..., safe_serialization=True))'
      : '';
    throw new ModelSourceError(
      `model folder ${abs} has no ${missing.join(', ')}${bin}; a model folder needs ${REQUIRED_HINT} (or model.safetensors.index.json and its shards)`,
    );
  }
  const files: ModelFile[] = [];
  for (const name of modelFileNames(abs)) files.push({ name, size: statSync(join(abs, name)).size, sha256: await sha256File(join(abs, name)) });
  return { id: abs, folder: abs, source: 'local', revision: 'local', files };
}

const RECORD = '.gft-files.json';

function repoDir(cache: string, id: string): string {
  return join(cache, id.replace('/', '--'));
}

/** A snapshot folder counts as complete when its record lists files that all exist with the recorded sizes. */
function completeSnapshot(folder: string): ModelFile[] | undefined {
  const rec = join(folder, RECORD);
  if (!existsSync(rec)) return undefined;
  try {
    const files = JSON.parse(readFileSync(rec, 'utf8')) as ModelFile[];
    return files.every((f) => existsSync(join(folder, f.name)) && statSync(join(folder, f.name)).size === f.size) && missingModelFiles(folder).length === 0
      ? files
      : undefined;
  } catch {
    return undefined;
  }
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function networkCode(e: unknown): string | undefined {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.cause?.code) return err.cause.code;
  if (err?.name === 'TypeError' && /fetch failed/i.test(err.message ?? '')) return 'fetch failed';
  return undefined;
}

async function resolveHub(id: string, opts: ResolveOptions): Promise<ResolvedModel> {
  const cache = resolve(opts.cacheDir ?? defaultCacheDir());
  const revision = opts.revision ?? 'main';
  const hubUrl = (opts.hubUrl ?? process.env.HF_ENDPOINT ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const accessToken = opts.accessToken ?? process.env.HF_TOKEN ?? undefined;
  const ref = join(repoDir(cache, id), 'refs', revision);
  const cached = (): ResolvedModel | undefined => {
    const sha = /^[0-9a-f]{40}$/.test(revision) ? revision : existsSync(ref) ? readFileSync(ref, 'utf8').trim() : undefined;
    const folder = sha ? join(repoDir(cache, id), sha) : undefined;
    const files = folder ? completeSnapshot(folder) : undefined;
    return folder && files ? { id, folder, source: 'hub', revision: sha!, files } : undefined;
  };
  const unreachable = (why: string) => {
    const sha = existsSync(ref) ? readFileSync(ref, 'utf8').trim() : undefined;
    const folder = join(repoDir(cache, id), sha ?? '<commit>');
    const lacking = sha && existsSync(folder) ? missingModelFiles(folder) : [CONFIG_FILE, 'tokenizer.json', WEIGHTS_FILE];
    // Files all there but no record: the last run stopped between the final rename and writing the record.
    const missing = lacking.length ? lacking : [RECORD];
    return new ModelSourceError(
      `cannot reach the Hugging Face hub at ${hubUrl} (${why}) and ${id}@${revision} is not in the cache (missing ${missing.join(', ')} in ${folder}); ` +
        `download it where there is a connection and point ${MODEL} at that folder instead, with ${REQUIRED_HINT}`,
    );
  };
  if (opts.offline) {
    const c = cached();
    if (c) return c;
    throw unreachable('offline mode');
  }

  const fetchFn = opts.fetch ?? fetch;
  const common = { hubUrl, fetch: fetchFn, ...(accessToken ? { accessToken } : {}) };
  let sha: string;
  let paths: string[];
  try {
    const info = await modelInfo({ name: id, revision, additionalFields: ['sha', 'filePaths'], ...common });
    sha = String(info.sha ?? '');
    paths = info.filePaths ?? [];
    if (!/^[0-9a-f]{40}$/.test(sha))
      throw new ModelSourceError(
        `the hub at ${hubUrl} gave no commit sha for ${id}@${revision}; try again, or point ${MODEL} at a local folder with ${REQUIRED_HINT}`,
      );
  } catch (e) {
    if (e instanceof ModelSourceError) throw e;
    const code = networkCode(e);
    if (code) {
      const c = cached();
      if (c) return c;
      throw unreachable(code);
    }
    const status = (e as { statusCode?: number }).statusCode;
    if (status === 401 || status === 403) {
      throw new ModelSourceError(
        `${id} on ${hubUrl} is private or gated (HTTP ${status}); accept its terms on the hub and set HF_TOKEN, or point ${MODEL} at a local folder with ${REQUIRED_HINT}`,
      );
    }
    if (status === 404) {
      throw new ModelSourceError(
        `${id}@${revision} not found on ${hubUrl} (HTTP 404); check the model id and revision, or point ${MODEL} at a local folder with ${REQUIRED_HINT}`,
      );
    }
    throw new ModelSourceError(
      `the hub at ${hubUrl} failed for ${id}@${revision}: ${String((e as Error).message ?? e).split('\n')[0]}; try again, or point ${MODEL} at a local folder with ${REQUIRED_HINT}`,
    );
  }

  const available = new Set(paths);
  const folder = join(repoDir(cache, id), sha);
  const done = completeSnapshot(folder);
  if (done) {
    writeAtomic(ref, sha + '\n');
    return { id, folder, source: 'hub', revision: sha, files: done };
  }
  const lacking = [CONFIG_FILE, 'tokenizer.json'].filter((f) => !available.has(f) && !(f === 'tokenizer.json' && available.has('vocab.txt')));
  const weights = available.has(WEIGHTS_FILE) ? WEIGHTS_FILE : available.has(WEIGHTS_INDEX) ? WEIGHTS_INDEX : undefined;
  if (!weights) lacking.push(WEIGHTS_FILE);
  if (lacking.length) {
    const bin = available.has('pytorch_model.bin') ? ' (it has pytorch_model.bin only: convert it to safetensors and use the folder)' : '';
    throw new ModelSourceError(
      `${id}@${revision} on the hub has no ${lacking.join(', ')}${bin}; choose a model repository with ${REQUIRED_HINT}, or point ${MODEL} at a local folder`,
    );
  }
  mkdirSync(folder, { recursive: true });
  const wanted = [CONFIG_FILE, ...TOKENIZER_FILES.filter((f) => available.has(f)), weights!];
  const files: ModelFile[] = [];
  const get = async (name: string) => {
    try {
      files.push(await downloadOne(id, sha, name, folder, common, opts.onProgress));
    } catch (e) {
      if (e instanceof ModelSourceError) throw e;
      const code = networkCode(e);
      const got = files.map((f) => f.name);
      throw new ModelSourceError(
        `download of ${id}/${name} from ${hubUrl} failed (${code ?? String((e as Error).message ?? e).split('\n')[0]}); ` +
          `run again to resume (${got.length} file(s) done, partial data kept in ${folder}), or point ${MODEL} at a local folder with ${REQUIRED_HINT}`,
      );
    }
  };
  for (const name of wanted) await get(name);
  if (weights === WEIGHTS_INDEX) for (const shard of shardNames(join(folder, WEIGHTS_INDEX))) await get(shard);
  writeAtomic(join(folder, RECORD), JSON.stringify(files, null, 1) + '\n');
  writeAtomic(ref, sha + '\n');
  return { id, folder, source: 'hub', revision: sha, files };
}

type Common = { hubUrl: string; fetch: typeof fetch; accessToken?: string };

async function downloadOne(
  id: string,
  sha: string,
  name: string,
  folder: string,
  common: Common,
  onProgress?: (p: DownloadProgress) => void,
): Promise<ModelFile> {
  const repo = { type: 'model' as const, name: id };
  const final = join(folder, name);
  const info = await fileDownloadInfo({ repo, path: name, revision: sha, ...common });
  if (!info)
    throw new ModelSourceError(
      `${id}@${sha.slice(0, 12)} lists ${name} but the hub has no such file; try again later or point ${MODEL} at a local folder with ${REQUIRED_HINT}`,
    );
  const total = info.size;
  // LFS files carry their content's sha256 as the ETag; small git files carry a git hash (not checked).
  const etag = info.etag.replace(/^W\//, '').replace(/"/g, '');
  const expected = /^[0-9a-f]{64}$/.test(etag) ? etag : undefined;
  if (existsSync(final) && statSync(final).size === total) {
    const sha256 = await sha256File(final);
    if (!expected || sha256 === expected) {
      onProgress?.({ file: name, loaded: total, total });
      return { name, size: total, sha256 };
    }
  }
  const part = `${final}.part`;
  const release = takeLock(`${final}.lock`, `${id}/${name}`);
  try {
    return await fetchToPart(id, sha, name, final, part, info, common, expected, onProgress);
  } finally {
    release();
  }
}

/**
 * A lock file holding the pid of the process downloading into a .part, so two runs never append to the same file.
 * A lock left by a process that no longer exists is taken over.
 */
function takeLock(lock: string, what: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lock, 'utf8'));
      if (pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new ModelSourceError(`another process (pid ${pid}) is downloading ${what} into the same cache; wait for it to finish, then run again`);
      }
      rmSync(lock, { force: true });
    }
  }
  throw new ModelSourceError(`cannot lock ${lock} for downloading ${what}; remove the file if no download is running`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function fetchToPart(
  id: string,
  sha: string,
  name: string,
  final: string,
  part: string,
  info: FileDownloadInfoOutput,
  common: Common,
  expected: string | undefined,
  onProgress?: (p: DownloadProgress) => void,
): Promise<ModelFile> {
  const repo = { type: 'model' as const, name: id };
  const total = info.size;
  let offset = existsSync(part) ? statSync(part).size : 0;
  if (offset > total) {
    truncateSync(part, 0);
    offset = 0;
  }
  if (offset < total) {
    const blob = await downloadFile({ repo, path: name, revision: sha, downloadInfo: info, ...common });
    if (!blob) throw new ModelSourceError(`${id}: ${name} disappeared from the hub during download; try again`);
    const fh = await open(part, offset > 0 ? 'a' : 'w');
    try {
      let loaded = offset;
      onProgress?.({ file: name, loaded, total });
      const reader = (offset > 0 ? blob.slice(offset) : blob).stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await fh.write(value);
        loaded += value.length;
        onProgress?.({ file: name, loaded, total });
      }
    } finally {
      await fh.close();
    }
  }
  const size = statSync(part).size;
  if (size !== total) {
    if (size > total) truncateSync(part, 0);
    throw new ModelSourceError(
      `download of ${id}/${name} ended at ${size} of ${total} bytes; run again to resume, or point ${MODEL} at a local folder with ${REQUIRED_HINT}`,
    );
  }
  const sha256 = await sha256File(part);
  if (expected && sha256 !== expected) {
    truncateSync(part, 0);
    throw new ModelSourceError(
      `${id}/${name} downloaded with sha256 ${sha256.slice(0, 12)} but the hub says ${expected.slice(0, 12)} (corrupted transfer); run again to download it afresh`,
    );
  }
  renameSync(part, final);
  return { name, size, sha256 };
}
