#!/usr/bin/env node
'use strict';
/**
 * The last step of `npm run build`: the compiled entry point (dist/main.js, from tsc) and every
 * module it loads become one file, written over dist/main.js (the original kept as main.tsc.js).
 * What a start costs is mostly loading modules: ~1,500 files, each found on disk, read and
 * compiled on its own. From one file the bot reaches /readyz with ~0.4 s less CPU (measured on
 * this stack, Node 20, median of interleaved starts; see docs/deploy.md and bench/ "tagging").
 *
 * Left outside the file (loaded from node_modules, which the deployment bundle ships as before):
 * packages that find files of their own next to their code at run time, which a single file
 * would break: @azure/identity (the `open` package it carries reads import.meta.url),
 * @azure/storage-queue (its CRC64 reads a .wasm file), and restify's optional native
 * dtrace-provider. Whitespace and syntax are minified, names kept (errors keep their class names
 * and stack frames their function names); a source map is written beside it
 * (NODE_OPTIONS=--enable-source-maps maps stack traces back to src/).
 *
 *   node scripts/bundle-main.js [distDir]     (default: dist)
 */
const fs = require('node:fs');
const path = require('node:path');

const EXTERNAL = ['@azure/identity', '@azure/storage-queue', 'dtrace-provider'];

/** Bundles `<distDir>/main.js` in place; returns the bundle's size in bytes. */
function bundleMain(distDir) {
  // Loaded here: esbuild is a build tool (devDependency), never loaded by the app.
  const esbuild = require('esbuild');
  const main = path.join(distDir, 'main.js');
  const original = path.join(distDir, 'main.tsc.js');
  // Run twice on the same folder, it bundles tsc's entry point again (not its own output).
  if (!fs.existsSync(original)) fs.renameSync(main, original);
  const result = esbuild.buildSync({
    entryPoints: [original],
    outfile: main,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: EXTERNAL,
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    sourcemap: 'linked',
    // Positions only (the sources are in the repository): 28 MB of map otherwise.
    sourcesContent: false,
    logLevel: 'silent',
    // Resolved from the project, wherever distDir is (the bench builds into build/bench-dist).
    absWorkingDir: path.resolve(__dirname, '..'),
  });
  for (const w of result.warnings) process.stderr.write(`bundle-main: ${w.text}\n`);
  return fs.statSync(main).size;
}

module.exports = { bundleMain, EXTERNAL };

if (require.main === module) {
  const distDir = path.resolve(process.argv[2] || path.join(__dirname, '..', 'dist'));
  try {
    bundleMain(distDir);
  } catch (err) {
    process.stderr.write(`bundle-main: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
