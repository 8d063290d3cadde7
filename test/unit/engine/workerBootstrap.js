// Runs src/engine/worker.ts in a worker thread under tsx (the build bundles it as dist/engine-worker.js).
require('tsx/cjs/api').register();
require('../../../src/engine/worker.ts');
