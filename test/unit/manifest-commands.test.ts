import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { systemClock } from '../../src/clock';
import { loadConfig } from '../../src/config';
import { features } from '../../src/features/index';
import { createLogger } from '../../src/log';
import type { Store } from '../../src/store/tables';
import { createBot } from '../../src/teams/bot';
import type { ConversationType } from '../../src/teams/door';
import { soloInstance } from '../../src/jobs/instances';
import { BotEvents } from '../../src/teams/events';

/**
 * The manifest's command menu against the commands the bot really registers: every feature in
 * src/features/index.ts registered on the real host (createBot), with no server, no storage call
 * and no scheduler. A command offered in Teams' menu that the bot does not know would answer
 * "I don't know that command"; a new command missing from the manifest would be invisible.
 */

const CONNECTION = 'UseDevelopmentStorage=true';

/** Registered commands left out of the manifest on purpose, with the reason. */
const NOT_IN_MANIFEST: Record<string, string> = {
  organizers: 'team and group chat lists are capped at 10 commands; a one-off setup command, shown by help',
  stats: 'team and group chat lists are capped at 10 commands; shown by help',
  goals: 'team and group chat lists are capped at 10 commands; shown by help',
  value: 'team and group chat lists are capped at 10 commands; shown by help',
  customer: 'team and group chat lists are capped at 10 commands; shown by help',
  customers: 'team and group chat lists are capped at 10 commands; shown by help',
  export: 'team and group chat lists are capped at 10 commands; shown by help',
  my: 'its menu entry is "my data", a two-word command the menu cannot offer as one title; shown by help',
  forget: 'a destructive request the person should type on purpose ("forget me"); shown by help',
  ask: 'team and group chat lists are capped at 10 commands; used during a call and to ask the network, shown by help and on the reminder card',
  who: 'the team and group chat list is full (10 commands); shown by help',
  buckets: 'the team and group chat list is full (10 commands); an organizer command, shown by help',
};

const CONVERSATION_OF_SCOPE: Record<string, ConversationType> = { team: 'channel', groupChat: 'groupChat', personal: 'personal' };

interface CommandList {
  scopes: string[];
  commands: Array<{ title: string }>;
}

function manifestLists(): CommandList[] {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'manifest', 'manifest.json'), 'utf8')) as { bots: Array<{ commandLists: CommandList[] }> };
  return manifest.bots[0].commandLists;
}

function registeredCommands() {
  const config = loadConfig({ STORAGE_CONNECTION_STRING: CONNECTION, LOG_LEVEL: 'silent', SCHEDULER_ENABLED: 'false' });
  // Clients are only constructed here; registering features must not call storage.
  const store: Store = {
    table: (name) => TableClient.fromConnectionString(CONNECTION, `manifest${name}`, { allowInsecureConnection: true }),
    ping: async () => false,
    prefix: 'manifest',
    options: { connectionString: CONNECTION, tablePrefix: 'manifest' },
  };
  const bot = createBot({ config, store, log: createLogger('silent'), clock: systemClock });
  const host = { door: bot.door, poster: bot.poster, store, config, log: createLogger('silent'), clock: systemClock, events: new BotEvents(), web: [], instances: soloInstance, stopping: () => false };
  for (const f of features) f.create(host);
  return { list: (scope?: ConversationType) => bot.door.commands(scope), find: (name: string) => bot.door.commands().find((c) => c.name === name || c.aliases?.includes(name)) };
}

describe('manifest commands and the bot', () => {
  it('when a command is offered in a scope of the manifest, then the bot registers it for that kind of conversation', () => {
    const commands = registeredCommands();
    const missing: string[] = [];
    for (const list of manifestLists()) {
      for (const scope of list.scopes) {
        const offered = new Set(commands.list(CONVERSATION_OF_SCOPE[scope]).map((c) => c.name));
        for (const { title } of list.commands) if (!offered.has(title)) missing.push(`${scope}: ${title}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('when the bot registers a command, then the manifest offers it somewhere or says why not', () => {
    const inManifest = new Set(manifestLists().flatMap((l) => l.commands.map((c) => c.title)));
    const unlisted = registeredCommands()
      .list()
      .map((c) => c.name)
      .filter((name) => !inManifest.has(name) && !(name in NOT_IN_MANIFEST));
    expect(unlisted).toEqual([]);
  });
});
