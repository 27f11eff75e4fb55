import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { fillManifest, PackageError, valuesFrom, type ManifestJson } from '../../scripts/package';

/**
 * The Teams app manifest, checked offline against the official schema of its manifestVersion
 * (bundled in @microsoft/app-manifest), plus the rules Teams applies that the schema does not
 * (command list sizes and lengths, icon sizes, a white-only outline icon).
 */

const MANIFEST_DIR = join(__dirname, '..', '..', 'manifest');
const APP_ID = '11111111-2222-3333-4444-555555555555';
const TEAMS_APP_ID = '66666666-7777-8888-9999-000000000000';

/**
 * The product's text commands (kept in sync by hand with what the features register; the
 * registry itself is compared in manifest-commands.test.ts). A manifest command outside this
 * list would be offered in Teams' command menu and answered with "I don't know that command".
 */
const PRODUCT_COMMANDS = ['help', 'call', 'topic', 'agenda', 'note', 'recap', 'organizers', 'story', 'stories', 'themes', 'digest', 'ask', 'who', 'buckets', 'hide', 'show'] as const;
/** Left out of the channel and group chat list, which is full (10 is the schema's cap): shown by help. */
const NOT_IN_TEAM_LIST: readonly string[] = ['organizers', 'ask', 'who', 'buckets', 'hide', 'show'];

function template(): string {
  return readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8');
}

function filled(): ManifestJson {
  return fillManifest(template(), valuesFrom({ MICROSOFT_APP_ID: APP_ID, TEAMS_APP_ID, BOT_DOMAIN: 'coach.example.com' }));
}

/** The schema file is chosen from the manifest's own version, independently of scripts/package.ts. */
const validators = new Map<string, ReturnType<Ajv['compile']>>();
function officialValidator(manifestVersion: string): ReturnType<Ajv['compile']> {
  const cached = validators.get(manifestVersion);
  if (cached) return cached;
  const file = require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${manifestVersion}/MicrosoftTeams.schema.json`);
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
  validators.set(manifestVersion, validate);
  return validate;
}

function schemaErrors(manifest: unknown): string[] {
  const validate = officialValidator((manifest as ManifestJson).manifestVersion);
  return validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

interface BotCommand {
  title: string;
  description: string;
}
interface CommandList {
  scopes: string[];
  commands: BotCommand[];
}
interface Bot {
  botId: string;
  scopes: string[];
  commandLists: CommandList[];
}
interface ComposeExtension {
  botId: string;
  commands: Array<{ id: string; type: string; context: string[]; fetchTask: boolean; title: string; description: string }>;
}

function botOf(m: ManifestJson): Bot {
  return (m.bots as Bot[])[0];
}

describe('Teams app manifest', () => {
  it('when the placeholders are filled, then it passes the official schema of its manifestVersion', () => {
    const manifest = filled();
    expect(manifest.manifestVersion).toBe('1.25');
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest.id).toBe(TEAMS_APP_ID);
    expect(botOf(manifest).botId).toBe(APP_ID);
    expect(manifest.validDomains).toEqual(['coach.example.com']);
  });

  it('when a copy is broken, then the schema rejects it (so the check above can fail)', () => {
    const noBotId = filled();
    delete (botOf(noBotId) as Partial<Bot>).botId;
    expect(schemaErrors(noBotId).join('\n')).toMatch(/botId/);

    const thirteenCommands = filled();
    const list = botOf(thirteenCommands).commandLists[0];
    list.commands = [...list.commands, ...list.commands].slice(0, 13);
    expect(schemaErrors(thirteenCommands).join('\n')).toMatch(/commands must NOT have more than 12 items/);

    const unknownTier = filled();
    (unknownTier as Record<string, unknown>).supportsChannelFeatures = 'tier9';
    expect(schemaErrors(unknownTier).join('\n')).toMatch(/supportsChannelFeatures/);

    // The template itself, placeholders unfilled, is not a valid manifest: ids must be GUIDs.
    expect(schemaErrors(JSON.parse(template()) as ManifestJson).join('\n')).toMatch(/\/id must match pattern/);
  });

  it('when it is read, then it declares shared and private channel support, and the channel roster permission the shared-channel identity lookup needs', () => {
    const manifest = filled() as Record<string, unknown>;
    expect(manifest.supportsChannelFeatures).toBe('tier1');
    const rsc = ((manifest.authorization as { permissions: { resourceSpecific: { name: string }[] } }).permissions.resourceSpecific).map((p) => p.name);
    expect(rsc).toContain('ChannelMember.Read.Group');
  });

  it('when it is read, then the bot is offered in team, group chat and personal scope, each with a command list', () => {
    const bot = botOf(filled());
    expect([...bot.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
    const covered = bot.commandLists.flatMap((l) => l.scopes).sort();
    expect(covered).toEqual(['groupChat', 'personal', 'team']);
  });

  it('when the bot takes attendance from meeting events, then the manifest grants the resource-specific permissions Teams sends them for, in team and group chat scope', () => {
    const m = filled() as ManifestJson & {
      authorization?: { permissions?: { resourceSpecific?: { name: string; type: string }[] } };
      webApplicationInfo?: { id?: string; resource?: string };
      bots: { scopes: string[] }[];
    };
    const granted = (m.authorization?.permissions?.resourceSpecific ?? []).filter((p) => p.type === 'Application').map((p) => p.name);
    // meetingStart / meetingEnd: scheduled and chat meetings, and channel meetings.
    expect(granted).toEqual(expect.arrayContaining(['OnlineMeeting.ReadBasic.Chat', 'ChannelMeeting.ReadBasic.Group']));
    // meetingParticipantJoin / Leave.
    expect(granted).toContain('OnlineMeetingParticipant.Read.Chat');
    // RSC needs the app's Entra registration named, and the events come to the bot in the meeting chat or the team.
    expect(m.webApplicationInfo?.id).toBe(APP_ID);
    expect(m.webApplicationInfo?.resource).toMatch(/^https:\/\//);
    expect(m.bots[0]!.scopes).toEqual(expect.arrayContaining(['team', 'groupChat']));
    expect(schemaErrors(m)).toEqual([]);
  });

  it('when its command lists are read, then they keep Teams limits: 10 commands, short one-word titles, descriptions <= 128', () => {
    for (const list of botOf(filled()).commandLists) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      const titles = list.commands.map((c) => c.title);
      expect(new Set(titles).size).toBe(titles.length);
      for (const c of list.commands) {
        expect(c.title).toMatch(/^[a-z]{1,32}$/);
        expect(c.description.length).toBeGreaterThan(0);
        expect(c.description.length).toBeLessThanOrEqual(128);
      }
    }
  });

  it('when its commands are listed, then each is one of the product commands', () => {
    const titles = botOf(filled()).commandLists.flatMap((l) => l.commands.map((c) => c.title));
    const unknown = titles.filter((t) => !(PRODUCT_COMMANDS as readonly string[]).includes(t));
    expect(unknown).toEqual([]);
  });

  it('when the channel and group chat list is read, then it holds every product command but organizers (10 is the cap)', () => {
    const list = botOf(filled()).commandLists.find((l) => l.scopes.includes('team'));
    expect(list?.scopes).toEqual(['team', 'groupChat']);
    expect(list?.commands.map((c) => c.title).sort()).toEqual(PRODUCT_COMMANDS.filter((c) => !NOT_IN_TEAM_LIST.includes(c)).sort());
  });

  it('when the message extension is read, then "Save as story" and "Ask the network" are message actions with a fetched task, run by the bot', () => {
    const manifest = filled();
    const extensions = manifest.composeExtensions as ComposeExtension[];
    expect(extensions).toHaveLength(1);
    expect(extensions[0].botId).toBe(APP_ID);
    expect(extensions[0].commands).toEqual([
      expect.objectContaining({ id: 'saveStory', type: 'action', context: ['message'], fetchTask: true, title: 'Save as story' }),
      expect.objectContaining({ id: 'askNetwork', type: 'action', context: ['message'], fetchTask: true, title: 'Ask the network' }),
    ]);
    for (const c of extensions[0].commands) expect(c.description.length).toBeLessThanOrEqual(128);
  });

  it('when BOT_DOMAIN is not set, then validDomains is empty rather than holding a blank entry', () => {
    const manifest = fillManifest(template(), valuesFrom({ MICROSOFT_APP_ID: APP_ID }));
    expect(manifest.validDomains).toEqual([]);
    expect(manifest.id).toBe(APP_ID);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  it('when MICROSOFT_APP_ID is missing or not a GUID, then the error says so in plain words', () => {
    expect(() => valuesFrom({})).toThrow(PackageError);
    expect(() => valuesFrom({})).toThrow(/MICROSOFT_APP_ID is not set/);
    expect(() => valuesFrom({ MICROSOFT_APP_ID: '   ' })).toThrow(/MICROSOFT_APP_ID is not set/);
    expect(() => valuesFrom({ MICROSOFT_APP_ID: 'my-bot' })).toThrow(/MICROSOFT_APP_ID must be a GUID/);
    expect(() => valuesFrom({ MICROSOFT_APP_ID: APP_ID, TEAMS_APP_ID: 'x' })).toThrow(/TEAMS_APP_ID must be a GUID/);
    expect(() => valuesFrom({ MICROSOFT_APP_ID: APP_ID, APP_VERSION: '1.0' })).toThrow(/APP_VERSION must look like 1.2.3/);
    expect(() => valuesFrom({ MICROSOFT_APP_ID: APP_ID, BOT_DOMAIN: 'https://coach.example.com/api' })).toThrow(/BOT_DOMAIN must be a host name/);
  });

  it('when the template names a placeholder nobody fills, then packaging refuses instead of leaving a blank', () => {
    const values = valuesFrom({ MICROSOFT_APP_ID: APP_ID });
    expect(() => fillManifest('{"manifestVersion":"1.22","id":"${{TEAMS_APP_ID}}","x":"${{NOT_A_SETTING}}"}', values)).toThrow(/unknown placeholders: NOT_A_SETTING/);
  });

  it('when a value holds JSON special characters, then it is escaped inside its string', () => {
    const values = { ...valuesFrom({ MICROSOFT_APP_ID: APP_ID }), BOT_DOMAIN: 'a"b\\c' };
    expect(fillManifest('{"manifestVersion":"1.22","validDomains":["${{BOT_DOMAIN}}"]}', values).validDomains).toEqual(['a"b\\c']);
  });
});

// --- icons: a small PNG reader (IHDR + inflate + unfiltering), independent of the writer ---

interface Png {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  rgba: Uint8Array;
}

function readPng(file: string): Png {
  const buf = readFileSync(file);
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('ascii', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  if (!ihdr) throw new Error(`${file}: no IHDR`);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8];
  const colorType = ihdr[9];
  if (bitDepth !== 8 || colorType !== 6 || ihdr[12] !== 0) return { width, height, colorType, bitDepth, rgba: new Uint8Array() };
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? rgba[y * stride + x - 4] : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][filter];
      if (predicted === undefined) throw new Error(`${file}: unknown filter ${filter}`);
      rgba[y * stride + x] = (v + predicted) & 0xff;
    }
  }
  return { width, height, colorType, bitDepth, rgba };
}

describe('Teams app icons', () => {
  it('when the colour icon is read, then it is a 192x192 RGBA PNG, opaque, with more than one colour', () => {
    const png = readPng(join(MANIFEST_DIR, 'color.png'));
    expect([png.width, png.height, png.bitDepth, png.colorType]).toEqual([192, 192, 8, 6]);
    const colours = new Set<number>();
    let notOpaque = 0;
    for (let i = 0; i < png.rgba.length; i += 4) {
      if (png.rgba[i + 3] !== 255) notOpaque++;
      colours.add((png.rgba[i] << 16) | (png.rgba[i + 1] << 8) | png.rgba[i + 2]);
    }
    expect(notOpaque).toBe(0);
    expect(colours.size).toBeGreaterThan(2);
  });

  it('when the outline icon is read, then it is 32x32 and every pixel is white or fully transparent', () => {
    const png = readPng(join(MANIFEST_DIR, 'outline.png'));
    expect([png.width, png.height, png.bitDepth, png.colorType]).toEqual([32, 32, 8, 6]);
    let transparent = 0;
    let opaqueWhite = 0;
    const offending: number[] = [];
    for (let i = 0; i < png.rgba.length; i += 4) {
      const [r, g, b, a] = png.rgba.subarray(i, i + 4);
      if (a === 0) transparent++;
      else if (r !== 255 || g !== 255 || b !== 255) offending.push(i / 4);
      else if (a === 255) opaqueWhite++;
    }
    expect(offending).toEqual([]);
    // A real emblem: a transparent background (corners included) and a solid white shape.
    expect(png.rgba[3]).toBe(0);
    expect(transparent).toBeGreaterThan(32 * 32 * 0.4);
    expect(opaqueWhite).toBeGreaterThan(32 * 32 * 0.1);
  });
});
