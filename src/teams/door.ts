import type { z } from 'zod';
import type { AdaptiveCard } from '../cards/types';
import type { Notice } from '../cards/notice';

export type { Notice } from '../cards/notice';
import type { Logger } from '../log';

/**
 * THE DOOR: the one narrow interface through which features meet Teams. It is SDK-free (no
 * botbuilder, botframework-* or teams-ai type appears here); `src/teams/` implements it
 * (bot.ts, cardActions.ts, poster.ts). A feature is a factory, `create(host: FeatureHost)`
 * (src/features/feature.ts), that registers through `host.door` and returns `{ stop() }`:
 *
 *   host.door.command({ name: 'topic', usage: 'topic <text>', summary: '...', group: 'Call agendas',
 *     async handle(turn, args, reply) { await reply.text(`Added: ${args}`); } });
 *
 *   host.door.cardAction({
 *     verb: 'agenda.vote',                                   // Action.Execute verb, stable
 *     schema: z.object({ callId: z.string(), vote: z.boolean() }),
 *     async handle(turn, data, reply) { ...; return { card: agendaCard(view, notice, turn.userId) }; },
 *     current: async (turn, data, notice) => agendaCard(await read(turn, data.callId), notice),  // the true card
 *     shared: (turn, data) => live.touch(turn, data.callId, turn.replyToId),  // or 'pressed'
 *   });
 *
 *   const id = await host.poster.post(ref, { card: someCard });  // ref: a stored ConversationRef
 *   await host.poster.update(ref, id!, { text: 'changed' });
 *
 * Store `turn.reference` (plain JSON: `JSON.stringify` it) to post later; read it back with
 * `parseReference` (reference.ts). Also: door.cardSubmit (Action.Submit messages),
 * door.messageAction (compose-extension fetchTask/submitAction and its dialog), door.on(
 * 'installed' | 'removed' | 'active') (lifecycle), door.job (scheduled work), door.commands()
 * (the help card). Throw a UserError (src/errors.ts) to refuse in plain words; anything else is
 * logged and the person told the truth about what was saved.
 */

export type ConversationType = 'channel' | 'groupChat' | 'personal';

/** Someone @mentioned in a message (other than the bot), with the text the mention shows. */
export interface Mention {
  userId: string;
  userName: string;
  shown: string;
}

/**
 * The one stored conversation reference: enough to post into a conversation later. Plain JSON
 * (stored as a string in tables); the same shape earlier versions stored, so old rows still read.
 */
export interface ConversationRef {
  channelId: string;
  serviceUrl: string;
  conversation: { id: string; tenantId?: string; conversationType?: string; isGroup?: boolean };
  bot?: { id: string; name?: string };
  locale?: string;
}

/** Who and where a turn is: plain values parsed once from the activity. */
export interface Turn {
  tenantId: string;
  /** The conversation, without a thread's `;messageid=` suffix. */
  conversationId: string;
  conversationType: ConversationType;
  /** The team, for channel conversations. */
  teamId?: string;
  /** Where shared data lives: the team for channels (all its channels), else the conversation. */
  spaceId: string;
  userId: string;
  userName: string;
  activityId?: string;
  /** IANA time zone of the sender's client, else UTC. */
  timeZone: string;
  locale?: string;
  /** In a channel thread: the id of the thread's root message (Teams' `;messageid=` suffix). */
  threadRootId?: string;
  /** The message a card action was pressed on (the bot's own card), when Teams says. */
  replyToId?: string;
  /** People @mentioned in the message, other than the bot. */
  mentions: Mention[];
  /** Where to post into this conversation later (proactively). */
  reference: ConversationRef;
}

/** Something to post: text, a card, or both (the text shows above the card). */
export interface OutMessage {
  text?: string;
  card?: AdaptiveCard;
  /** People the text @mentions (`<at>Name</at>` in the text): Teams notifies them. */
  mentions?: { type: 'mention'; text: string; mentioned: { id: string; name: string } }[];
}

/** Answering inside a turn. Every method returns the posted activity id when Teams gives one. */
export interface Reply {
  text(text: string): Promise<string | undefined>;
  card(card: AdaptiveCard, text?: string): Promise<string | undefined>;
  /**
   * Bookkeeping nobody waits for (counters, a reminder row, a card's id), started once Teams has
   * its HTTP answer rather than before it. Started synchronously right after the answer is
   * written, so whatever this instance's reads wait for is registered before anything the answer
   * causes can arrive. `work` must not throw for its own failures: it logs them (a throw is logged).
   */
  afterAnswer(work: () => void): void;
  /** The turn's logger: carries the correlation id; ids and counts only, never text. */
  readonly log: Logger;
}

export interface Command {
  /** First word, lower case: `story`. */
  name: string;
  aliases?: string[];
  /** How to call it, for help: `story <text>`. */
  usage: string;
  /** One sentence for the help card. */
  summary: string;
  /** Help section: the feature's name in the user's words. */
  group: string;
  /** Where it is offered; defaults to all scopes. */
  scopes?: ConversationType[];
  /**
   * The command de-duplicates Teams re-deliveries itself: every write it makes is keyed by (or
   * guarded by a row keyed by) `turn.activityId`, created in the same atomic write, and a
   * re-delivery answers from what the first delivery stored. The door then skips its own
   * de-duplication row for this command's turns (one storage round trip less). Leave unset
   * unless all of that holds: a re-delivery would otherwise run the command twice.
   */
  deduplicatesItself?: boolean;
  handle(turn: Turn, args: string, reply: Reply): Promise<void>;
}

/**
 * What a card action shows the person who pressed: a card (usually the same card, refreshed,
 * optionally with a notice or their own choices), or a line of text. `everyone`: the card as
 * everyone else should see it, when it differs from the presser's (used by shared: 'pressed').
 */
export type CardAnswer = { card: AdaptiveCard; everyone?: AdaptiveCard; notice?: Notice; unchanged?: boolean } | { text: string };

/** What the pipeline knows about a press besides its data. */
export interface CardContext {
  /** The notice this person was last shown on this card (actions with a `subject`), for views that re-render it. */
  notice?: Notice;
  /** 'automatic': Teams refreshing the person's own view (refresh.userIds); 'manual': a press. */
  trigger: 'automatic' | 'manual';
}

/**
 * An Action.Execute button (`adaptiveCard/action`). The pipeline (src/teams/cardActions.ts):
 * 1. parses `data` with `schema`: data the bot never sent gets a 400 with `badData`;
 * 2. refuses a press whose data names another conversation or tenant (`belongsTo`);
 * 3. runs `handle`; a refusal (UserError) answers `current(turn, data, refusal)` (the true card
 *    with the refusal as its notice) or, with no `current`, the refusal as text;
 * 4. an unknown failure answers `current` with a "may not have been saved" notice when the card
 *    can be read, else falls through to the edge's apology;
 * 5. `shared`: after a change (or a refusal, which means the pressed card was stale) the posted
 *    card is brought up to date for everyone: 'pressed' replaces the pressed message with the
 *    answer card; a function does it its own way (the agenda coalesces updates). An answer
 *    marked `unchanged` (nothing changed for anyone) shares nothing.
 */
export interface CardAction<T> {
  verb: string;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  handle(turn: Turn, data: T, reply: Reply, context: CardContext): Promise<CardAnswer>;
  current?(turn: Turn, data: NoInfer<T>, notice: Notice): Promise<AdaptiveCard | undefined>;
  /**
   * Feedback that stays: what the card is about (`call:<id>`). The notice answered to the
   * presser (`CardAnswer.notice`, or a refusal) is remembered under it for that person, and
   * handed to `view` actions (the card's refresh verb) as `context.notice`, so the person's own
   * view keeps showing it after the shared message is updated. A press without a notice clears it.
   */
  subject?(data: NoInfer<T>): string;
  /** A read-only verb (the card's refresh): shows the remembered notice, never clears it, shares nothing. */
  view?: boolean;
  shared?: 'pressed' | ((turn: Turn, data: NoInfer<T>) => Promise<void>);
  /** The conversation the card was made for, when its data says (cards that name one). */
  belongsTo?(data: NoInfer<T>): { tenantId: string; conversationId: string };
  /** Feature wording for bad data / a card from elsewhere; the edge's defaults otherwise. */
  strings?: { badData?: string; elsewhere?: string };
}


/** An Action.Submit button (arrives as a message whose value carries `verb`). */
export interface CardSubmit<T> {
  verb: string;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  handle(turn: Turn, data: T, reply: Reply): Promise<void>;
}

/** The message a message action ("..." > Save as story) was started on. */
export interface MessagePayload {
  id: string;
  linkToMessage?: string;
  /** The message as plain text (HTML converted). */
  text: string;
  from?: { userId: string; userName?: string };
}

/** What a dialog step answers: open (or keep) a dialog with a card, say something, or close. */
export type DialogAnswer = { dialog: { title: string; card: AdaptiveCard; width?: 'small' | 'medium' | 'large'; height?: 'small' | 'medium' | 'large' } } | { text: string } | { close: true };

/** A message action (compose extension, `composeExtension/fetchTask` then `submitAction`). */
export interface MessageAction<T> {
  commandId: string;
  fetch(turn: Turn, message: MessagePayload, reply: Reply): Promise<DialogAnswer>;
  /** The dialog's submitted data is parsed with `schema`; bad data gets a 400 with `badData`. */
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  submit(turn: Turn, message: MessagePayload, data: T, reply: Reply): Promise<DialogAnswer>;
  strings?: { badData?: string };
}

/**
 * A dialog opened from a card button (Action.Submit with `msteams: { type: 'task/fetch' }` and
 * `verb` in its data): `task/fetch` then the dialog's `task/submit`. Both datas are parsed with
 * their schemas; bad data gets a 400 with `badData`.
 */
export interface CardDialog<F, S> {
  verb: string;
  fetchSchema: z.ZodType<F, z.ZodTypeDef, unknown>;
  fetch(turn: Turn, data: F, reply: Reply): Promise<DialogAnswer>;
  submitSchema: z.ZodType<S, z.ZodTypeDef, unknown>;
  submit(turn: Turn, data: S, reply: Reply): Promise<DialogAnswer>;
  strings?: { badData?: string };
}

/** Lifecycle events. `active`: before any message or invoke (the conversation registry). */
export interface LifecycleEvents {
  installed: (turn: Turn, reply: Reply) => Promise<void>;
  removed: (turn: Turn, event: { teamId?: string; reason: string }, reply: Reply) => Promise<void>;
  active: (turn: Turn) => Promise<void>;
}

/**
 * A Teams meeting event, for a bot installed in the meeting with the resource-specific
 * permissions the manifest declares (event activities `application/vnd.microsoft.meetingStart`,
 * `meetingEnd`, `meetingParticipantJoin`, `meetingParticipantLeave`). `meetingId` is
 * channelData.meeting.id; start and end carry the join URL and title; join and leave the people.
 */
export interface MeetingEvent {
  kind: 'start' | 'end' | 'join' | 'leave';
  meetingId: string;
  joinUrl?: string;
  title?: string;
  /** When Teams says it started or ended. */
  at?: Date;
  members: { userId: string; teamsId: string; name: string }[];
}

export interface ScheduledJob {
  name: string;
  run(now: Date): Promise<void>;
}

export interface Door {
  command(command: Command): void;
  cardAction<T>(action: CardAction<T>): void;
  cardSubmit<T>(submit: CardSubmit<T>): void;
  messageAction<T>(action: MessageAction<T>): void;
  /** A dialog opened from a card button (task/fetch, task/submit). */
  cardDialog<F, S>(dialog: CardDialog<F, S>): void;
  on<K extends keyof LifecycleEvents>(event: K, handler: LifecycleEvents[K]): void;
  job(job: ScheduledJob): void;
  /** Meeting events (start, end, participants joining and leaving). */
  meetingEvent(handler: (turn: Turn, event: MeetingEvent) => Promise<void>): void;
  /** Commands offered in a scope, in registration order (the help card). */
  commands(scope?: ConversationType): Command[];
}

/** One post attempt's outcome, for senders that retry themselves (never throws). */
export type PostResult =
  | { ok: true; activityId?: string }
  | {
      ok: false;
      status?: number;
      code?: string;
      retryAfterMs?: number;
      /**
       * No answer came, but the request may have reached Teams (a timeout, a connection cut after
       * it was written): the post may have landed. Teams has no idempotency key for a POST of an
       * activity, so a sender must not retry it blindly (it would post twice).
       */
      unanswered?: boolean;
    };

/**
 * Posting outside a turn. `post` and `update` throw on failure (the error carries `statusCode`
 * when Teams answered). `attempt` makes exactly one request (no SDK retries) and classifies the
 * outcome: for senders with their own retry and rate limiting (the digest).
 */
/** Someone in a conversation's roster: `userId` as Turn.userId names people (Entra id when known), `teamsId` for mentions. */
export interface RosterMember {
  userId: string;
  teamsId: string;
  name: string;
  /** Email (or else user principal name) when Teams gives it: customers match people by its domain. */
  email?: string;
}

export interface Poster {
  /** The people in the conversation (the team's members for a channel), all pages. Throws on failure. */
  members(ref: ConversationRef): Promise<RosterMember[]>;
  /**
   * The user ids (MRIs) of a conversation's members, for a card's refresh.userIds, when there
   * are at most 60 (Teams' limit for user-specific views); `undefined` beyond that or when the
   * roster cannot be read (cards then rely on Teams' manual refresh). Cached for minutes.
   */
  audience(ref: ConversationRef): Promise<string[] | undefined>;
  post(ref: ConversationRef, message: OutMessage): Promise<string | undefined>;
  update(ref: ConversationRef, activityId: string, message: OutMessage): Promise<void>;
  attempt(ref: ConversationRef, message: OutMessage): Promise<PostResult>;
  /**
   * The bot's personal chat with a person (created, or found: Teams returns the existing one),
   * as a reference to post to. `at` is a reference whose service, tenant and bot are used.
   * Throws what Teams answers when it cannot (403/404: the person never installed the app, or
   * blocked it); nothing is posted then.
   */
  openPersonalChat(at: ConversationRef, userId: string): Promise<ConversationRef>;
}
