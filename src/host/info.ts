import { createRequire } from 'node:module';
import type { HostInfo } from '../protocol';

const req = createRequire(__filename);

export function packageVersion(name: string): string {
  try {
    return (req(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function hostInfo(): HostInfo {
  return { hostVersion: '0.1.0', node: process.version, onnxruntime: packageVersion('onnxruntime-node'), pid: process.pid };
}
