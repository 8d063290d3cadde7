// Builds the bundles: extension (node, vscode external), training host (node), CLI (node), the engine's and the
// host's trainer threads (node), webviews (browser).
// Native and heavy runtime packages stay external and are resolved from node_modules at run time.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeExternal = ['vscode', 'onnxruntime-node', '@huggingface/transformers', '@tensorflow/tfjs', '@tensorflow-models/universal-sentence-encoder', 'sharp'];

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  { ...common, entryPoints: ['src/host/main.ts'], outfile: 'dist/host.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  { ...common, entryPoints: ['src/host/cli/index.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  {
    ...common,
    entryPoints: ['src/engine/worker.ts'],
    outfile: 'dist/engine-worker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternal,
  },
  // the training host's trainer thread (src/host/train/setup.ts starts it)
  {
    ...common,
    entryPoints: ['src/host/train/trainWorker.ts'],
    outfile: 'dist/train-worker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternal,
  },
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
  { ...common, entryPoints: ['webview/form.ts'], outfile: 'dist/form.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`built ${builds.length} bundles into dist/`);
}
