// Installs the CUDA execution provider libraries by running onnxruntime-node's own install script with its
// documented flag (ONNXRUNTIME_NODE_INSTALL=cuda12). The script downloads Microsoft.ML.OnnxRuntime.Gpu.Linux
// from NuGet (api.nuget.org) and copies the provider .so files next to the binding; offline it fails fast with
// a DNS or connection error, which is reported here in one line.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cudaLibraries, ortBindingDir, ortPackageDir } from './probe';

export interface InstallResult {
  ok: boolean;
  /** one line for the CLI and the UI */
  message: string;
  ms: number;
}

export interface InstallOptions {
  /** onnxruntime-node's package folder (tests use a copy so that nothing real is overwritten) */
  packageDir?: string;
  timeoutMs?: number;
  /** extra environment for the script (proxy settings: GLOBAL_AGENT_HTTPS_PROXY, see global-agent) */
  env?: NodeJS.ProcessEnv;
}

export function installCudaProviders(opts: InstallOptions = {}): Promise<InstallResult> {
  const t0 = Date.now();
  const pkgDir = opts.packageDir ?? ortPackageDir();
  const script = join(pkgDir, 'script', 'install.js');
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000; // the NuGet package is several hundred MB
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return Promise.resolve({
      ok: false,
      message: `CUDA providers for onnxruntime-node exist only for linux/x64; this is ${process.platform}/${process.arch}`,
      ms: 0,
    });
  }
  if (!existsSync(script))
    return Promise.resolve({ ok: false, message: `onnxruntime-node's install script is missing (${script}); reinstall onnxruntime-node`, ms: 0 });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, '--onnxruntime-node-install=cuda12'], {
      cwd: pkgDir,
      env: installEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - t0;
      const dir = ortBindingDir(pkgDir);
      if (signal)
        return resolve({
          ok: false,
          message: `CUDA provider install timed out after ${Math.round(timeoutMs / 1000)} s (slow or blocked connection to api.nuget.org)`,
          ms,
        });
      if (code !== 0) return resolve({ ok: false, message: `CUDA provider install failed: ${failureLine(out)}`, ms });
      const { present, missing } = cudaLibraries(dir);
      if (missing.length) return resolve({ ok: false, message: `CUDA provider install finished but ${missing.join(', ')} is missing in ${dir}`, ms });
      resolve({ ok: true, message: `installed ${present.join(', ')} in ${dir}; CUDA 12 and cuDNN 9 runtime libraries must also be on the library path`, ms });
    });
  });
}

/**
 * The script's environment: the explicit cuda12 request, without npm's own variables. Under `npm run`/`npm test`
 * npm exports the project's `.npmrc` skip (npm_config_onnxruntime_node_install=skip) and its lifecycle variables,
 * and the script then quits without installing.
 */
function installEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, ELECTRON_RUN_AS_NODE: '1', ONNXRUNTIME_NODE_INSTALL: 'cuda12' };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) || k === 'ONNXRUNTIME_NODE_INSTALL_CUDA') delete env[k];
  return env;
}

/** The script's uncaught error, e.g. "Error: getaddrinfo ENOTFOUND api.nuget.org", as an explanation. */
export function failureLine(output: string): string {
  const m = /^(?:\w*Error): (.+)$/m.exec(output);
  const err = m ? m[1].trim() : (output.trim().split('\n').pop() ?? 'no output');
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH/.test(err)) {
    return `cannot reach NuGet (${err}); this needs internet access to api.nuget.org (or a proxy in GLOBAL_AGENT_HTTPS_PROXY)`;
  }
  return err;
}
