import { ActivityTypes, type TaskModuleTaskInfo, type TurnContext } from 'botbuilder';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
// Deep imports: teams-ai's index also loads its AI planners, OpenAI client and GPT tokenizers,
// which this bot never uses (measured on this stack: ~0.4-0.7 s of CPU at every start).
import { Application } from '@microsoft/teams-ai/lib/Application';
import { TurnState } from '@microsoft/teams-ai/lib/TurnState';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { isUserError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { Store } from '../store/tables';
import { JobRunner } from '../jobs/runner';
import { untracked } from '../store/writes';
import { createAdapter } from './adapter';
import type { OutboundHttp } from './http';
import { registerCardAction, refuseBadRequest } from './cardActions';
import { CommandRegistry } from './commands';
import { meetingEventOf } from './meetingEvents';
import type { CardDialog, CardSubmit, DialogAnswer, Door, LifecycleEvents, MeetingEvent, MessageAction, MessagePayload, Poster, Reply, Turn } from './door';
import { toActivity } from './messages';
import { correlation, correlationIdOf, deduplicate, turnLogger, PROCESSED_TABLE } from './middleware';
import { identify } from './identity';
import { CARD_NOTICES_TABLE, NoticeMemory } from './notices';
import { createPoster } from './poster';
import { tell } from './replies';
import { coreStrings } from './strings';
import { htmlToText, parseCommand } from './text';
import { messageText, tenantOf, turnOf } from './turn';
import { personKey } from '../people/model';
import { turnWrites, writesOf } from './turnWrites';
import { afterAnswer } from './afterAnswer';

/** Outbound credentials (botframework's factory), named here so nothing outside src/teams imports the SDK. */
export type OutboundCredentials = ServiceClientCredentialsFactory;

export interface BotDeps {
  config: Config;
  store: Store;
  log: Logger;
  clock: Clock;
  /** Outbound credentials; tests pass one that needs no identity provider. */
  credentialsFactory?: ServiceClientCredentialsFactory;
  /** The keep-alive agents for calls to Teams (one per process; see teams/http.ts). */
  outbound?: OutboundHttp;
}

/** The Teams edge: the adapter and router, and the door features register through. */
export interface Bot {
  adapter: ReturnType<typeof createAdapter>;
  door: Door;
  poster: Poster;
  jobs: JobRunner;
  run(context: TurnContext): Promise<void>;
}

/** Tables the Teams edge itself needs, besides the features' own. */
export const CORE_TABLES = [PROCESSED_TABLE, CARD_NOTICES_TABLE] as const;

const installationValue = z.object({ action: z.string().optional() }).passthrough();
const channelDataSchema = z.object({ team: z.object({ id: z.string() }).optional() }).passthrough();
const submitValue = z.object({ verb: z.string().min(1).max(100) }).passthrough();
const messagePayloadSchema = z.object({
  id: z.string().min(1).max(500),
  linkToMessage: z.string().max(2048).optional(),
  body: z.object({ contentType: z.string().optional(), content: z.string().optional().default('') }).optional(),
  // Graph's chatMessage shape: `from.user.tenantId` is the author's home tenant (another tenant in a shared channel).
  from: z.object({ user: z.object({ id: z.string().min(1), displayName: z.string().optional(), tenantId: z.string().optional() }).nullish() }).nullish(),
});

function messagePayloadOf(context: TurnContext): MessagePayload | undefined {
  const value = z.object({ messagePayload: messagePayloadSchema }).safeParse(context.activity.value);
  if (!value.success) return undefined;
  const p = value.data.messagePayload;
  const content = p.body?.content ?? '';
  const user = p.from?.user;
  return {
    id: p.id,
    linkToMessage: p.linkToMessage,
    text: p.body?.contentType?.toLowerCase() === 'text' ? content.trim() : htmlToText(content),
    from: user ? { userId: personKey(user.id, user.tenantId, tenantOf(context.activity) ?? ''), userName: user.displayName } : undefined,
  };
}

function dialogAnswer(answer: DialogAnswer): TaskModuleTaskInfo | string | undefined {
  // Never `{}`: Teams answers that with "Invalid response returned from your app".
  if ('close' in answer) return coreStrings.done;
  if ('text' in answer) return answer.text;
  const d = answer.dialog;
  return { title: d.title, card: toActivity({ card: d.card }).attachments?.[0], width: d.width ?? 'medium', height: d.height ?? 'large' };
}

export function createBot(deps: BotDeps): Bot {
  const { config, store, log, clock } = deps;
  const adapter = createAdapter(config, deps.credentialsFactory, deps.outbound);
  const app = new Application<TurnState>({
    adapter,
    botAppId: config.bot.appId ?? '',
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });

  adapter.use(correlation(log));
  adapter.use(identify({ hosts: config.allowedTenants, partners: config.partnerTenants }, (context) => turnLogger(context, log), () => clock.now().getTime()));
  adapter.use(deduplicate(store.table(PROCESSED_TABLE), log, (context) => deduplicatesItself(context)));
  adapter.use(turnWrites());

  adapter.onTurnError = async (context, err) => {
    const turnLog = turnLogger(context, log);
    try {
      if (isUserError(err)) {
        turnLog.info('turn.user_error');
        await tell(context, err.message);
        return;
      }
      const writes = writesOf(context);
      turnLog.error('turn.failed', { ...errorFields(err), writes });
      const ref = correlationIdOf(context).slice(0, 8);
      // "Nothing was saved" only when it is true: no write of this turn reached storage.
      await tell(context, writes === 0 ? coreStrings.somethingWrong(ref) : coreStrings.somethingWrongMaybeSaved(ref));
    } catch (replyErr) {
      // The apology itself failed (the connector is unreachable): log it, never throw from here.
      turnLog.error('turn.reply_failed', errorFields(replyErr));
    }
  };

  const replyFor = (context: TurnContext): Reply => ({
    async text(text) {
      return (await context.sendActivity(toActivity({ text })))?.id;
    },
    async card(card, text) {
      return (await context.sendActivity(toActivity({ card, text })))?.id;
    },
    afterAnswer(work) {
      afterAnswer(context, work, turnLogger(context, log));
    },
    log: turnLogger(context, log),
  });

  const notices = new NoticeMemory(store.table(CARD_NOTICES_TABLE), () => clock.now().getTime());
  const commands = new CommandRegistry();
  /**
   * The message route below would run a command that de-duplicates re-deliveries itself (and
   * is offered here): the de-duplication middleware then skips its `processed` row. Mirrors the
   * route's own decisions (a card submit, an unknown word, a scope it is not offered in are not).
   */
  const deduplicatesItself = (context: TurnContext): boolean => {
    if (context.activity.type !== ActivityTypes.Message || submitValue.safeParse(context.activity.value).success) return false;
    const { name } = parseCommand(messageText(context));
    const command = name ? commands.find(name) : undefined;
    if (command?.deduplicatesItself !== true) return false;
    if (!command.scopes) return true;
    try {
      return command.scopes.includes(turnOf(context).conversationType);
    } catch {
      return false;
    }
  };
  const submits = new Map<string, CardSubmit<unknown>>();
  const lifecycle: { [K in keyof LifecycleEvents]: LifecycleEvents[K][] } = { installed: [], removed: [], active: [] };
  const jobs = new JobRunner(clock, log);
  const meetingHandlers: ((turn: Turn, event: MeetingEvent) => Promise<void>)[] = [];

  const door: Door = {
    command: (command) => commands.add(command),
    cardAction: (action) => registerCardAction(app, action, replyFor, log, notices),
    cardSubmit<T>(submit: CardSubmit<T>) {
      if (submits.has(submit.verb)) throw new Error(`card submit '${submit.verb}' is registered twice`);
      submits.set(submit.verb, submit as CardSubmit<unknown>);
    },
    messageAction<T>(action: MessageAction<T>) {
      const badData = action.strings?.badData ?? coreStrings.badCardData;
      app.messageExtensions.fetchTask(action.commandId, async (context) => {
        const payload = messagePayloadOf(context);
        if (!payload) {
          await refuseBadRequest(context, badData);
          return badData;
        }
        return dialogAnswer(await action.fetch(turnOf(context), payload, replyFor(context))) ?? '';
      });
      app.messageExtensions.submitAction(action.commandId, async (context, _state, raw) => {
        const payload = messagePayloadOf(context);
        const data = action.schema.safeParse(raw);
        if (!payload || !data.success) {
          await refuseBadRequest(context, badData);
          return badData;
        }
        return dialogAnswer(await action.submit(turnOf(context), payload, data.data, replyFor(context)));
      });
    },
    cardDialog<F, S>(dialog: CardDialog<F, S>) {
      const badData = dialog.strings?.badData ?? coreStrings.badCardData;
      app.taskModules.fetch(dialog.verb, async (context, _state, raw) => {
        const data = dialog.fetchSchema.safeParse(raw);
        if (!data.success) {
          await refuseBadRequest(context, badData);
          return badData;
        }
        return dialogAnswer(await dialog.fetch(turnOf(context), data.data, replyFor(context))) ?? '';
      });
      app.taskModules.submit(dialog.verb, async (context, _state, raw) => {
        const data = dialog.submitSchema.safeParse(raw);
        if (!data.success) {
          await refuseBadRequest(context, badData);
          return badData;
        }
        return dialogAnswer(await dialog.submit(turnOf(context), data.data, replyFor(context))) ?? null;
      });
    },
    on(event, handler) {
      (lifecycle[event] as unknown[]).push(handler);
    },
    job: (job) => jobs.add(job),
    meetingEvent: (handler) => void meetingHandlers.push(handler),
    commands: (scope) => commands.list(scope),
  };

  // Lifecycle: the bot added to or removed from a conversation, the app installed or uninstalled.
  const installed = async (context: TurnContext): Promise<void> => {
    const turn = turnOf(context);
    for (const h of lifecycle.installed) await h(turn, replyFor(context));
  };
  const removed = async (context: TurnContext, reason: string): Promise<void> => {
    const turn = turnOf(context);
    const channelData = channelDataSchema.safeParse(context.activity.channelData ?? {});
    const teamId = channelData.success ? channelData.data.team?.id : undefined;
    for (const h of lifecycle.removed) await h(turn, { teamId, reason }, replyFor(context));
  };
  app.activity(ActivityTypes.ConversationUpdate, async (context) => {
    const a = context.activity;
    const botId = a.recipient?.id;
    const isBot = (m: unknown): boolean => typeof m === 'object' && m !== null && (m as { id?: unknown }).id === botId;
    if (Array.isArray(a.membersAdded) && a.membersAdded.some(isBot)) await installed(context);
    else if (Array.isArray(a.membersRemoved) && a.membersRemoved.some(isBot)) await removed(context, 'bot removed');
  });
  app.activity(ActivityTypes.InstallationUpdate, async (context) => {
    const value = installationValue.safeParse(context.activity.value ?? {});
    const raw = (value.success ? value.data.action : undefined) ?? context.activity.action;
    const action = typeof raw === 'string' ? raw : '';
    if (action.startsWith('add')) await installed(context);
    else if (action.startsWith('remove')) await removed(context, 'app uninstalled');
  });
  app.turn('beforeTurn', async (context) => {
    const t = context.activity.type;
    if ((t !== ActivityTypes.Message && t !== ActivityTypes.Invoke) || lifecycle.active.length === 0) return true;
    const turn = turnOf(context);
    // Bookkeeping, not the person's doing: not counted as this turn's writes.
    await untracked(async () => {
      for (const h of lifecycle.active) await h(turn);
    });
    return true;
  });

  // Meeting events: parsed once (meetingEvents.ts); one that does not read is logged and dropped.
  app.activity(ActivityTypes.Event, async (context) => {
    const event = meetingEventOf(context.activity);
    const turnLog = turnLogger(context, log);
    if (!event) {
      turnLog.info('event.ignored', { name: typeof context.activity.name === 'string' ? context.activity.name.slice(0, 80) : undefined });
      return;
    }
    turnLog.info('meeting.event', { kind: event.kind, members: event.members.length });
    const turn = turnOf(context);
    for (const h of meetingHandlers) await h(turn, event);
  });

  // Messages: an Action.Submit a feature registered, else a text command.
  app.activity(ActivityTypes.Message, async (context) => {
    const reply = replyFor(context);
    const submitted = submitValue.safeParse(context.activity.value);
    if (submitted.success) {
      const submit = submits.get(submitted.data.verb);
      if (!submit) return void (await tell(context, coreStrings.cardActionUnknown));
      const data = submit.schema.safeParse(context.activity.value);
      if (!data.success) return void (await tell(context, coreStrings.badCardData));
      await submit.handle(turnOf(context), data.data, reply);
      return;
    }
    const turn = turnOf(context);
    const { name, args } = parseCommand(messageText(context));
    if (!name) {
      // A bare mention, or a card submit without a verb.
      await tell(context, context.activity.value ? coreStrings.cardActionUnknown : coreStrings.emptyMessage);
      return;
    }
    const command = commands.find(name);
    if (!command) {
      const suggestion = commands.suggest(name);
      await tell(context, suggestion ? coreStrings.didYouMean(name.slice(0, 40), suggestion) : coreStrings.unknownCommand(name.slice(0, 40)));
      return;
    }
    if (command.scopes && !command.scopes.includes(turn.conversationType)) {
      await tell(context, coreStrings.notAvailableHere);
      return;
    }
    reply.log.info('command', { command: command.name, conversationType: turn.conversationType });
    await command.handle(turn, args, reply);
  });

  // Card actions and other invokes no feature claimed (an old card, a removed button).
  app.activity(ActivityTypes.Invoke, async (context) => {
    turnLogger(context, log).info('invoke.unhandled', { name: context.activity.name });
    await tell(context, coreStrings.cardActionUnknown);
  });

  return {
    adapter,
    door,
    poster: createPoster(adapter, config.bot.appId ?? '', log, () => clock.now().getTime()),
    jobs,
    async run(context) {
      await app.run(context);
    },
  };
}
