import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { BundleError, bundleFiles, productionManifest, writeBundle } from '../../scripts/bundle';

/**
 * What `npm run bundle` selects, on a small project made here: dist/ whole, the production
 * packages npm lists (without their nested node_modules, which npm lists on their own), and
 * never a dev-only package, a symbolic link or a .env file. The real bundle is tested in
 * test/integration/bundle.test.ts.
 */
let root: string;

function write(rel: string, text = rel): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'bundle-fixture-'));
  write('package.json', JSON.stringify({ name: 'x', version: '1.2.3', private: true, main: 'dist/main.js', engines: { node: '>=22' }, scripts: { test: 'jest' }, dependencies: { a: '1.0.0' }, devDependencies: { jest: '30.0.0' } }));
  write('.env', 'MICROSOFT_APP_PASSWORD=do-not-ship');
  write('src/main.ts');
  write('dist/main.js');
  write('dist/features/agenda.js');
  write('dist/.env.production', 'SECRET=do-not-ship');
  write('node_modules/a/package.json');
  write('node_modules/a/lib/index.js');
  write('node_modules/a/bin/tool.js');
  chmodSync(path.join(root, 'node_modules/a/bin/tool.js'), 0o755);
  write('node_modules/a/node_modules/nested-prod/package.json');
  write('node_modules/a/node_modules/nested-dev/package.json');
  write('node_modules/jest/package.json');
  write('node_modules/.bin/placeholder');
  symlinkSync(path.join(root, 'node_modules/jest'), path.join(root, 'node_modules/a/linked-jest'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const prodDirs = ['node_modules/a', 'node_modules/a/node_modules/nested-prod'];

describe('bundle file selection', () => {
  test('when npm lists the production packages, then the bundle holds dist/ and those packages only', () => {
    expect(bundleFiles(root, prodDirs).map((f) => f.zipPath)).toEqual([
      'dist/features/agenda.js',
      'dist/main.js',
      'node_modules/a/bin/tool.js',
      'node_modules/a/lib/index.js',
      'node_modules/a/node_modules/nested-prod/package.json',
      'node_modules/a/package.json',
    ]);
  });

  test('when the compiled output is elsewhere, then it still lands under dist/ in the bundle', () => {
    write('out/elsewhere/main.js');
    const files = bundleFiles(root, [], path.join(root, 'out/elsewhere'));
    expect(files).toEqual([{ zipPath: 'dist/main.js', source: path.join(root, 'out/elsewhere/main.js') }]);
  });

  test('when dist/main.js or a listed package is missing, then a BundleError says what to run', () => {
    rmSync(path.join(root, 'dist/main.js'));
    expect(() => bundleFiles(root, prodDirs)).toThrow(BundleError);
    expect(() => bundleFiles(root, prodDirs)).toThrow(/npm run build/);
    write('dist/main.js');
    expect(() => bundleFiles(root, ['node_modules/missing'])).toThrow(/npm install/);
  });

  test('when package.json is rewritten for production, then scripts and devDependencies stay behind, and npm start runs main', () => {
    const manifest = productionManifest(root);
    expect(manifest).toEqual({ name: 'x', version: '1.2.3', private: true, main: 'dist/main.js', engines: { node: '>=22' }, dependencies: { a: '1.0.0' }, scripts: { start: 'node dist/main.js' } });
  });

  test('when the zip is written, then it holds package.json and the selected files, with their contents and modes', () => {
    const out = path.join(root, 'build', 'app.zip');
    const result = writeBundle(root, bundleFiles(root, prodDirs), out);
    const zip = new AdmZip(out);
    const names = zip.getEntries().map((e) => e.entryName);
    expect(names).toHaveLength(7);
    expect(result.files).toBe(7);
    expect(names).toContain('package.json');
    expect(zip.readAsText('dist/main.js')).toBe('dist/main.js');
    expect(JSON.parse(zip.readAsText('package.json'))).not.toHaveProperty('devDependencies');
    const mode = (name: string): number => (zip.getEntry(name)!.header.attr >>> 16) & 0o777;
    expect(mode('node_modules/a/bin/tool.js')).toBe(0o755);
    expect(mode('dist/main.js')).toBe(0o644);
    expect(names.join('\n')).not.toMatch(/\.env|jest|nested-dev|src\//);
  });
});
