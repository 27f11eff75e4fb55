import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { buildAppPackage, PackageError } from '../../scripts/package';

/**
 * `npm run package`: the zip Teams receives. Built into a temp folder (never the repo's build/),
 * opened again with adm-zip, and its manifest checked against the official schema.
 */

const ROOT = join(__dirname, '..', '..');
const APP_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'coach-package-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function schemaErrors(manifest: { manifestVersion: string }): string[] {
  const file = require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
  return validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

describe('npm run package', () => {
  it('when MICROSOFT_APP_ID is set, then the zip holds a schema-valid manifest with the ids filled, and both icons', () => {
    const outFile = join(dir, 'nested', 'appPackage.zip');
    const built = buildAppPackage({ env: { MICROSOFT_APP_ID: APP_ID.toUpperCase(), APP_VERSION: '2.3.4' }, outFile });
    expect(built.outFile).toBe(outFile);

    const zip = new AdmZip(outFile);
    expect(zip.getEntries().map((e) => e.entryName).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(zip.readAsText('manifest.json')) as {
      manifestVersion: string;
      id: string;
      version: string;
      bots: Array<{ botId: string }>;
      composeExtensions: Array<{ botId: string }>;
    };
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest.id).toBe(APP_ID); // TEAMS_APP_ID defaults to the bot id (lower-cased)
    expect(manifest.bots[0].botId).toBe(APP_ID);
    expect(manifest.composeExtensions[0].botId).toBe(APP_ID);
    expect(manifest.version).toBe('2.3.4');
    expect(JSON.stringify(manifest)).not.toContain('${{');
    for (const icon of ['color.png', 'outline.png']) {
      expect(zip.readFile(icon)).toEqual(readFileSync(join(ROOT, 'manifest', icon)));
    }
  });

  it('when TEAMS_APP_ID is set too, then the app id and the bot id differ as asked', () => {
    const teamsAppId = 'f0e1d2c3-b4a5-4968-8776-655443322110';
    const outFile = join(dir, 'two-ids.zip');
    buildAppPackage({ env: { MICROSOFT_APP_ID: APP_ID, TEAMS_APP_ID: teamsAppId }, outFile });
    const manifest = JSON.parse(new AdmZip(outFile).readAsText('manifest.json')) as { id: string; bots: Array<{ botId: string }> };
    expect(manifest.id).toBe(teamsAppId);
    expect(manifest.bots[0].botId).toBe(APP_ID);
  });

  it('when MICROSOFT_APP_ID is missing, then nothing is written and the error names the setting', () => {
    const outFile = join(dir, 'missing.zip');
    expect(() => buildAppPackage({ env: {}, outFile })).toThrow(PackageError);
    expect(() => buildAppPackage({ env: {}, outFile })).toThrow(/MICROSOFT_APP_ID is not set/);
    expect(existsSync(outFile)).toBe(false);
  });

  it('when the script runs without MICROSOFT_APP_ID, then it exits 2 with a readable message and no stack trace', async () => {
    const outFile = join(dir, 'cli-missing.zip');
    // Set but empty: .env (if a developer has one) never overrides a variable that exists.
    const run = promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/package.ts', '--out', outFile], {
      cwd: ROOT,
      env: { ...process.env, MICROSOFT_APP_ID: '', TEAMS_APP_ID: '' },
    });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^Cannot build the Teams app package:\n {2}- MICROSOFT_APP_ID is not set/) });
    await run.catch((err: { stderr: string }) => expect(err.stderr).not.toMatch(/\n\s+at /));
    expect(existsSync(outFile)).toBe(false);
  });

  it('when the script runs with a bot id and --out, then it writes the zip there and says where', async () => {
    const outFile = join(dir, 'cli.zip');
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/package.ts', '--out', outFile], {
      cwd: ROOT,
      env: { ...process.env, MICROSOFT_APP_ID: APP_ID, TEAMS_APP_ID: '' },
    });
    expect(stdout).toContain(outFile);
    expect(new AdmZip(outFile).getEntries()).toHaveLength(3);
  });
});
