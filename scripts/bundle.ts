import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import AdmZip from 'adm-zip';

/**
 * `npm run bundle`: one zip for `az webapp deploy --type zip` (or any host that runs
 * `node dist/main.js`): the compiled JavaScript (dist/), a production package.json, and the
 * production dependencies exactly as npm resolved them in this install, nothing else (no
 * sources, tests, dev tools, .env).
 *
 * The dependencies are copied from ./node_modules, selected by npm itself
 * (`npm ls --omit=dev --all --parseable`), so the bundle needs no network and no second install.
 * (A clean `npm install --omit=dev` works too, with --ignore-scripts: botbuilder-dialogs'
 * postinstall calls npx, which cannot download here. Measured 2026-12-01.)
 *
 *   npm run bundle                      build, then write build/network-coach.zip
 *   npm run bundle -- --out <file>      write elsewhere
 *   npm run bundle -- --no-build        zip the dist/ that is there
 *   npm run bundle -- --no-build --dist <dir>   zip compiled output from another folder (as dist/)
 */
export const ROOT = resolve(__dirname, '..');
export const DEFAULT_OUT_FILE = join(ROOT, 'build', 'network-coach.zip');

/** What a deployed process needs from package.json; scripts and devDependencies stay behind. */
const PACKAGE_FIELDS = ['name', 'version', 'private', 'description', 'license', 'main', 'engines', 'dependencies'] as const;

export class BundleError extends Error {
  override readonly name = 'BundleError';
}

/** Package folders (relative, e.g. node_modules/@azure/identity) npm counts as production dependencies. */
export function productionPackageDirs(root: string): string[] {
  const npm = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // ELSPROBLEMS (an extraneous or out-of-range package, as a fresh `npm install` from this lockfile
  // leaves under botbuilder-dialogs' recognizers) still lists the whole tree on stdout: the
  // bundle takes what is installed, which is what the app runs with (the bundle test starts it).
  const listed = npm.stdout.trim().length > 0;
  if (npm.status !== 0 && !(listed && /ELSPROBLEMS/.test(npm.stderr))) throw new BundleError(`npm ls --omit=dev failed (run npm install first):\n${npm.stderr}`);
  if (npm.status !== 0) process.stderr.write(`bundle: npm ls reports problems in the installed tree (bundled as installed):\n${npm.stderr.split('\n').filter((l) => /extraneous|invalid|missing/.test(l)).join('\n')}\n`);
  return npm.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((abs) => relative(root, abs).split(sep).join('/'))
    .filter((rel) => rel.startsWith('node_modules/'));
}

/** One file of the bundle: where it goes in the zip, and where it is read from. */
export interface BundleFile {
  zipPath: string;
  source: string;
}

/**
 * The files of the bundle, sorted by zip path: the compiled output (distDir, as dist/), and each
 * production package folder without its own node_modules (nested packages are listed by npm on
 * their own, so a dev-only package nested in a production one stays out). Symbolic links and
 * secrets files (.env*) are never taken. package.json is written separately (see productionManifest).
 */
export function bundleFiles(root: string, packageDirs: readonly string[], distDir = join(root, 'dist')): BundleFile[] {
  const out = new Map<string, string>();
  const walk = (dir: string, zipDir: string, skipNodeModules: boolean): void => {
    for (const name of readdirSync(dir).sort()) {
      const source = join(dir, name);
      const zipPath = `${zipDir}/${name}`;
      const stat = lstatSync(source);
      if (stat.isSymbolicLink()) continue;
      if (stat.isDirectory()) {
        if (skipNodeModules && name === 'node_modules') continue;
        walk(source, zipPath, skipNodeModules);
      } else if (stat.isFile() && !/^\.env(\..*)?$/.test(name)) {
        out.set(zipPath, source);
      }
    }
  };
  if (!existsSync(join(distDir, 'main.js'))) throw new BundleError(`${relative(root, distDir) || distDir}/main.js is missing: run npm run build`);
  walk(distDir, 'dist', false);
  for (const dir of packageDirs) {
    if (!existsSync(join(root, dir, 'package.json'))) throw new BundleError(`${dir} is not installed: run npm install`);
    walk(join(root, dir), dir, true);
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([zipPath, source]) => ({ zipPath, source }));
}

export function productionManifest(root: string): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of PACKAGE_FIELDS) if (pkg[field] !== undefined) out[field] = pkg[field];
  // For hosts that start a Node app with `npm start` when no start command is set.
  out.scripts = { start: `node ${String(pkg.main ?? 'dist/main.js')}` };
  return out;
}

export function writeBundle(root: string, files: readonly BundleFile[], outFile: string): { files: number; bytes: number } {
  const zip = new AdmZip();
  zip.addFile('package.json', Buffer.from(`${JSON.stringify(productionManifest(root), null, 2)}\n`), '', 0o644);
  for (const file of files) {
    zip.addFile(file.zipPath, readFileSync(file.source), '', statSync(file.source).mode & 0o111 ? 0o755 : 0o644);
  }
  mkdirSync(dirname(outFile), { recursive: true });
  zip.writeZip(outFile);
  return { files: files.length + 1, bytes: statSync(outFile).size };
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? resolve(argv[i + 1]!) : undefined;
}

function main(argv: string[]): void {
  const outFile = option(argv, '--out') ?? DEFAULT_OUT_FILE;
  const distDir = option(argv, '--dist') ?? join(ROOT, 'dist');
  if (!argv.includes('--no-build')) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new BundleError('npm run build failed');
  }
  const files = bundleFiles(ROOT, productionPackageDirs(ROOT), distDir);
  const { files: count, bytes } = writeBundle(ROOT, files, outFile);
  console.log(`wrote ${relative(process.cwd(), outFile) || outFile}: ${count} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof BundleError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
