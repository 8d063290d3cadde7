// Loaded with `node --import` by scripts/run-unit-tests.mjs into the test runner and into every test file's process
// (node --test passes its --import flags on): points os.tmpdir() at a folder of this process's own under the temp
// folder and removes it when the process exits. The runner's folder holds those of its test files, so whatever a
// test leaves behind, even one a test killed, is gone when the suite ends, and the machine's disk is as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'gft-test-'));
process.env.TMPDIR = dir;
process.on('exit', () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }));
