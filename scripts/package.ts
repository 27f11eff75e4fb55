import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import AdmZip from 'adm-zip';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { config as loadDotenv } from 'dotenv';

/**
 * `npm run package`: fills the placeholders of manifest/manifest.json from the environment (and
 * .env), checks the result against the official schema of its manifestVersion (bundled in
 * @microsoft/app-manifest, so no network), and zips it with the two icons into
 * build/appPackage.zip (or the file after `--out`), ready to upload to Teams.
 *
 * Placeholders (`${{NAME}}` in manifest.json):
 *   MICROSOFT_APP_ID  required: the bot's Entra app (or managed identity) client id, a GUID
 *   TEAMS_APP_ID      the Teams app's own id; defaults to MICROSOFT_APP_ID
 *   APP_VERSION       x.y.z; defaults to package.json's version. Raise it for every upload that
 *                     should replace an installed app.
 *   BOT_DOMAIN        optional host name of the deployment (coach.example.com), listed in
 *                     validDomains; the entry is dropped when unset.
 */

export const ROOT = resolve(__dirname, '..');
export const MANIFEST_DIR = join(ROOT, 'manifest');
export const DEFAULT_OUT_FILE = join(ROOT, 'build', 'appPackage.zip');
export const ICON_FILES = ['color.png', 'outline.png'] as const;

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
const HOST_NAME = /^(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(:\d{1,5})?$/;
const PLACEHOLDER = /\$\{\{([A-Z0-9_]+)\}\}/g;

/** A problem the person packaging can fix; its message is printed as is. */
export class PackageError extends Error {
  override readonly name = 'PackageError';
}

export type ManifestJson = Record<string, unknown> & { manifestVersion: string; validDomains?: unknown };

export interface PackageValues {
  MICROSOFT_APP_ID: string;
  TEAMS_APP_ID: string;
  APP_VERSION: string;
  BOT_DOMAIN: string;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** Reads and checks the placeholder values; every problem is reported at once. */
export function valuesFrom(env: NodeJS.ProcessEnv): PackageValues {
  const trimmed = (name: string): string => (env[name] ?? '').trim();
  const problems: string[] = [];
  const appId = trimmed('MICROSOFT_APP_ID');
  if (!appId) {
    problems.push('MICROSOFT_APP_ID is not set: give the bot\'s app (client) id, e.g. MICROSOFT_APP_ID=<guid> npm run package');
  } else if (!GUID.test(appId)) {
    problems.push(`MICROSOFT_APP_ID must be a GUID like 00000000-0000-0000-0000-000000000000 (got "${appId.slice(0, 60)}")`);
  }
  const teamsAppId = trimmed('TEAMS_APP_ID') || appId;
  if (trimmed('TEAMS_APP_ID') && !GUID.test(teamsAppId)) {
    problems.push(`TEAMS_APP_ID must be a GUID (got "${teamsAppId.slice(0, 60)}"); leave it unset to reuse MICROSOFT_APP_ID`);
  }
  const version = trimmed('APP_VERSION') || packageVersion();
  if (!SEMVER.test(version)) problems.push(`APP_VERSION must look like 1.2.3 (got "${version.slice(0, 60)}")`);
  const domain = trimmed('BOT_DOMAIN');
  if (domain && !HOST_NAME.test(domain)) {
    problems.push(`BOT_DOMAIN must be a host name without scheme or path, like coach.example.com (got "${domain.slice(0, 60)}")`);
  }
  if (problems.length > 0) throw new PackageError(`Cannot build the Teams app package:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { MICROSOFT_APP_ID: appId.toLowerCase(), TEAMS_APP_ID: teamsAppId.toLowerCase(), APP_VERSION: version, BOT_DOMAIN: domain };
}

/** Replaces every `${{NAME}}` in the manifest text; an unknown name is an error, not a blank. */
export function fillManifest(template: string, values: PackageValues): ManifestJson {
  const unknown = new Set<string>();
  const filled = template.replace(PLACEHOLDER, (_, name: string) => {
    if (!(name in values)) {
      unknown.add(name);
      return '';
    }
    // JSON-escape the value, without its surrounding quotes: placeholders sit inside strings.
    return JSON.stringify(values[name as keyof PackageValues]).slice(1, -1);
  });
  if (unknown.size > 0) throw new PackageError(`manifest.json uses unknown placeholders: ${[...unknown].join(', ')}`);
  const manifest = JSON.parse(filled) as ManifestJson;
  if (Array.isArray(manifest.validDomains)) {
    manifest.validDomains = manifest.validDomains.filter((d) => d !== '');
  }
  return manifest;
}

/** The bundled official schema for a manifestVersion ("1.22" -> v1.22/MicrosoftTeams.schema.json). */
export function schemaFor(manifestVersion: string): object {
  if (!/^\d+\.\d+$/.test(manifestVersion)) throw new PackageError(`manifestVersion "${manifestVersion}" is not a schema version`);
  const file = require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${manifestVersion}/MicrosoftTeams.schema.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as object;
}

/** Schema problems of a filled manifest, as readable lines; empty when it is valid. */
export function validateManifest(manifest: unknown, schema?: object): string[] {
  const version = (manifest as { manifestVersion?: unknown } | null)?.manifestVersion;
  if (typeof version !== 'string') return ['/manifestVersion is missing'];
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema ?? schemaFor(version));
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is not valid'} ${JSON.stringify(e.params)}`);
}

export interface BuildOptions {
  env?: NodeJS.ProcessEnv;
  outFile?: string;
  manifestDir?: string;
}

export interface BuiltPackage {
  outFile: string;
  manifest: ManifestJson;
  entries: string[];
}

export function buildAppPackage(options: BuildOptions = {}): BuiltPackage {
  const manifestDir = options.manifestDir ?? MANIFEST_DIR;
  const outFile = resolve(options.outFile ?? DEFAULT_OUT_FILE);
  const values = valuesFrom(options.env ?? process.env);
  const manifest = fillManifest(readFileSync(join(manifestDir, 'manifest.json'), 'utf8'), values);
  const problems = validateManifest(manifest);
  if (problems.length > 0) {
    throw new PackageError(`manifest.json does not match the Teams schema v${manifest.manifestVersion}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  for (const icon of ICON_FILES) zip.addFile(icon, readFileSync(join(manifestDir, icon)));
  mkdirSync(dirname(outFile), { recursive: true });
  zip.writeZip(outFile);
  return { outFile, manifest, entries: zip.getEntries().map((e) => e.entryName) };
}

if (require.main === module) {
  // .env fills what the shell did not set (dotenv never overrides).
  loadDotenv({ path: join(ROOT, '.env') });
  try {
    const outAt = process.argv.indexOf('--out');
    const outFile = outAt > 0 ? process.argv[outAt + 1] : undefined;
    if (outAt > 0 && !outFile) throw new PackageError('--out needs a file name: npm run package -- --out build/dev.zip');
    const built = buildAppPackage({ outFile });
    const id = String(built.manifest.id);
    process.stdout.write(`Wrote ${built.outFile} (${built.entries.join(', ')}) for Teams app ${id}, version ${String(built.manifest.version)}.\n`);
    process.stdout.write('Upload it in Teams: Apps > Manage your apps > Upload an app > Upload a custom app.\n');
  } catch (err) {
    if (err instanceof PackageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
