#!/usr/bin/env node
/*
 * The faultline CLI. The source is TypeScript; this launcher bundles it with esbuild (a
 * dependency) into .cache/ when the sources are newer than the bundle, then runs it. That keeps
 * `npm ci && npm start` free of a separate build step.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const entry = process.env.FAULTLINE_CLI_ENTRY || path.join(root, 'cli', 'main.ts');
const outfile = path.join(root, '.cache', `${path.basename(entry, '.ts')}.js`);

const newestSource = (dirs) => {
  let newest = 0;
  const walk = (dir) => {
    for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, item.name);
      if (item.isDirectory()) walk(full);
      else if (item.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of dirs) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return newest;
};

const stale = () => {
  if (!fs.existsSync(outfile)) return true;
  return (
    newestSource(['cli', 'shared', 'local', 'events', 'functions', 'scripts', 'testing']) > fs.statSync(outfile).mtimeMs
  );
};

if (stale()) {
  const pkg = require(path.join(root, 'package.json'));
  // Dependencies stay in node_modules, but middy (ESM-only) is bundled so the CLI is plain CommonJS.
  const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
    (name) => name !== '@middy/core',
  );
  require('esbuild').buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external,
    logLevel: 'warning',
  });
}

process.env.FAULTLINE_FLEET_DIR ||= path.join(root, 'local', 'fleet', 'scripts');
process.env.FAULTLINE_SERVERLESS_YML ||= path.join(root, 'serverless.yml');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';

const loaded = require(outfile);
if (typeof loaded.main === 'function') {
  loaded.main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`faultline: ${error?.stack || String(error)}\n`);
      process.exit(2);
    },
  );
}
