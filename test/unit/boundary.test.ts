import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * One door: only the Teams edge (src/teams/) and the HTTP wiring (src/server.ts) may import the
 * Bot Framework SDKs, so a move to another SDK touches those files only. Any import form counts:
 * `import`, `import type`, `export ... from`, `require()` and dynamic `import()`.
 */
const ROOT = join(__dirname, '..', '..');
const SDK = /(?:from\s*|require\(\s*|import\(\s*|import\s+)['"](botbuilder(?:-[a-z-]+)?|botframework-[a-z-]+|@microsoft\/teams-ai)(?:\/[^'"]*)?['"]/g;
const ALLOWED = (path: string): boolean => path.startsWith('src/teams/') || path === 'src/server.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mts|cts)$/.test(name) ? [full] : [];
  });
}

export function sdkImportsOutsideTheDoor(files: readonly { path: string; text: string }[]): string[] {
  return files.flatMap(({ path, text }) => (ALLOWED(path) ? [] : [...text.matchAll(SDK)].map((m) => `${path}: ${m[1]}`)));
}

describe('the Teams edge is one door', () => {
  test('when src/ is scanned, then no file outside src/teams/ and src/server.ts imports botbuilder, botframework-* or teams-ai', () => {
    const files = sourceFiles(join(ROOT, 'src')).map((full) => ({ path: relative(ROOT, full).split('\\').join('/'), text: readFileSync(full, 'utf8') }));
    expect(files.length).toBeGreaterThan(30);
    expect(sdkImportsOutsideTheDoor(files)).toEqual([]);
  });

  test('when a feature file imports the SDK in any form, then the scan names it', () => {
    const forms = [
      "import { CardFactory } from 'botbuilder';",
      "import type { TurnContext } from 'botbuilder';",
      "import type { Application } from '@microsoft/teams-ai';",
      "import { AuthenticationConstants } from 'botframework-connector';",
      "export type { Activity } from 'botframework-schema';",
      "const b = require('botbuilder-core');",
      "const c = await import('botbuilder/lib/cloudAdapter');",
    ];
    const found = sdkImportsOutsideTheDoor(forms.map((text, i) => ({ path: `src/features/x${i}.ts`, text })));
    expect(found).toHaveLength(forms.length);
    expect(sdkImportsOutsideTheDoor(forms.map((text) => ({ path: 'src/teams/bot.ts', text })))).toEqual([]);
    expect(sdkImportsOutsideTheDoor([{ path: 'src/features/y.ts', text: "import { z } from 'zod'; // botbuilder is not imported here" }])).toEqual([]);
  });

  test('when src/ is scanned, then teams-ai is imported module by module, never through its index (which loads AI planners, OpenAI and tokenizers at every start)', () => {
    const files = sourceFiles(join(ROOT, 'src')).map((full) => ({ path: relative(ROOT, full).split('\\').join('/'), text: readFileSync(full, 'utf8') }));
    const wholePackage = files.filter(({ text }) => /['"]@microsoft\/teams-ai['"]/.test(text)).map(({ path }) => path);
    expect(wholePackage).toEqual([]);
    expect(files.some(({ text }) => text.includes("'@microsoft/teams-ai/lib/Application'"))).toBe(true);
  });
});
