import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import { Application, TurnState } from '@microsoft/teams-ai';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { isUserError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { Store } from '../store/tables';
import type { Feature, FeatureHost } from '../features/feature';
import { JobRunner } from '../jobs/runner';
import { createAdapter } from './adapter';
import { CommandRegistry } from './commands';
import { BotEvents } from './events';
import { correlation, correlationIdOf, deduplicate, tenantFilter, turnLogger, PROCESSED_TABLE } from './middleware';
import { createProactive } from './proactive';
import { tell } from './replies';
import { coreStrings } from './strings';
import { parseCommand } from './text';
import { messageText, turnOf } from './turn';

export interface BotDeps {
  config: Config;
  store: Store;
  log: Logger;
  clock: Clock;
  features: readonly Feature[];
  /** Outbound credentials; tests pass one that needs no identity provider. */
  credentialsFactory?: ServiceClientCredentialsFactory;
}

export interface Bot {
  adapter: ReturnType<typeof createAdapter>;
  app: Application<TurnState>;
  host: FeatureHost;
  run(context: TurnContext): Promise<void>;
}

/** Tables the Teams edge itself needs, besides the features' own. */
export const CORE_TABLES = [PROCESSED_TABLE] as const;

export function createBot(deps: BotDeps): Bot {
  const { config, store, log, clock } = deps;
  const adapter = createAdapter(config, deps.credentialsFactory);
  const app = new Application<TurnState>({
    adapter,
    botAppId: config.bot.appId ?? '',
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });

  adapter.use(correlation(log));
  adapter.use(tenantFilter(config.allowedTenants, log));
  adapter.use(deduplicate(store.table(PROCESSED_TABLE), log));

  adapter.onTurnError = async (context, err) => {
    const turnLog = turnLogger(context, log);
    try {
      if (isUserError(err)) {
        turnLog.info('turn.user_error');
        await tell(context, err.message);
        return;
      }
      turnLog.error('turn.failed', errorFields(err));
      await tell(context, coreStrings.somethingWrong(correlationIdOf(context).slice(0, 8)));
    } catch (replyErr) {
      // The apology itself failed (the connector is unreachable): log it, never throw from here.
      turnLog.error('turn.reply_failed', errorFields(replyErr));
    }
  };

  const commands = new CommandRegistry();
  const host: FeatureHost = {
    app,
    commands,
    store,
    config,
    log,
    clock,
    proactive: createProactive(adapter, config.bot.appId ?? ''),
    jobs: new JobRunner(clock, log),
    events: new BotEvents(),
  };
  for (const feature of deps.features) feature.register(host);

  // Text commands: registered after the features, so their own message routes (card submits) win.
  app.activity(ActivityTypes.Message, async (context) => {
    const turn = turnOf(context);
    const { name, args } = parseCommand(messageText(context));
    if (!name) {
      // A bare mention, or a card submit no feature claimed.
      await tell(context, context.activity.value ? coreStrings.cardActionUnknown : coreStrings.emptyMessage);
      return;
    }
    const command = commands.find(name);
    if (!command) {
      await tell(context, coreStrings.unknownCommand(name.slice(0, 40)));
      return;
    }
    if (command.scopes && !command.scopes.includes(turn.conversationType)) {
      await tell(context, coreStrings.notAvailableHere);
      return;
    }
    turnLogger(context, log).info('command', { command: command.name, conversationType: turn.conversationType });
    await command.handle(context, turn, args);
  });

  // Card actions and other invokes no feature claimed (an old card, a removed button).
  app.activity(ActivityTypes.Invoke, async (context) => {
    turnLogger(context, log).info('invoke.unhandled', { name: context.activity.name });
    await tell(context, coreStrings.cardActionUnknown);
  });

  return {
    adapter,
    app,
    host,
    async run(context) {
      await app.run(context);
    },
  };
}
