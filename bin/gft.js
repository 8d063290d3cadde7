#!/usr/bin/env node
// The `gft` command: the bundled CLI (run `npm run build` first when working from a source checkout).
require('../dist/cli.js');
