#!/usr/bin/env node
/* Runs a TypeScript script of this repository (benchmarks, sizes) through the same bundling launcher. */
'use strict';
const path = require('node:path');
const [script, ...rest] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: run-ts <script.ts> [args]\n');
  process.exit(1);
}
process.env.FAULTLINE_CLI_ENTRY = path.resolve(script);
process.argv = [process.argv[0], __filename, ...rest];
require('./faultline.js');
