import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { WriteBehind, WRITE_BEHIND_MAX } from '../../store/writes';
import { isUserError } from '../../errors';
import { JOB_RUNS_TABLE, RunClaims } from '../../jobs/claims';
import { errorFields, type Logger } from '../../log';
import type { ConversationRef, OutMessage, Turn } from '../../teams/door';
import type { BotEventMap } from '../../teams/events';
import { parseReference } from '../../teams/reference';
import { callQuestionsOf, offerNetworkQuestions } from '../call/routes';
import type { Feature, FeatureHost } from '../feature';
import { portOf } from '../ports';
import { ConversationRepo, CONVERSATIONS_TABLE } from '../conversations/repo';
import { safeLine } from '../../cards/safeText';
import { answerCard, answerDialog, bucketsCard, mentionOf, questionCard, reminderCard, VERB, whoKnowsCard } from './cards';
import { registerAskTheNetwork } from './askAction';
import { registerIntroductions } from './introRoutes';
import { Introductions } from './introductions';
import { reminderJob } from './jobs';
import { askedVisibility } from './parse';
import { ANSWER_ID, MAX_QUESTION_LENGTH, QUESTION_ID, QUESTION_VISIBILITIES, type Contribution, type Person, type Place, type Question } from './model';
import { storiesPorts } from './ports';
import { CONNECT_TABLES } from './repo';
import { ConnectService, newAnswerId, ReminderNotScheduled } from './service';
import { asked, mentioning, threadOfPost, threadRef } from './shapes';
import { connectStrings as s } from './strings';

/**
 * Connect in Teams: `ask`, `who knows`, `buckets`, `hide me` / `show me`, the question card's
 * buttons (Action.Execute `connect.*`), the Answer dialog (task/fetch, task/submit), the
 * reminder job, and the expertise index fed by the `contributed` event. Each route turns the
 * turn into plain values, calls the service, and shows the result through the door.
 *
 * `ask` is the product's one ask command: while the conversation's call is in progress the
 * call feature takes the question into the call's live queue (CallQuestions port); otherwise
 * it is a question for the network.
 */
const scopes = ['channel', 'groupChat'] as const;
const questionData = z.object({ questionId: z.string().regex(QUESTION_ID), v: z.coerce.number().int().min(1).max(1_000_000) });
const answerData = z.object({ questionId: z.string().regex(QUESTION_ID), answerId: z.string().regex(ANSWER_ID) });
const visibilityData = z.object({ questionId: z.string().regex(QUESTION_ID), visibility: z.enum(QUESTION_VISIBILITIES) });
const fetchData = z.object({ questionId: z.string().regex(QUESTION_ID) }).passthrough();
const submitData = answerData.extend({ answer: z.string().max(20_000) }).passthrough();
const strings = { badData: s.badRequest };

const placeOf = (turn: Turn): Place => ({ tenantId: turn.tenantId, spaceId: turn.spaceId, conversationId: turn.conversationId });
const personOf = (turn: Turn): Person => ({ userId: turn.userId, userName: turn.userName });

export const connectFeature: Feature = {
  name: 'connect',
  tables: CONNECT_TABLES,
  create(host) {
    const service = new ConnectService(host.store, host.clock, storiesPorts(host.store, host.clock), { reminderHours: host.config.connect.reminderHours }, (err) =>
      err instanceof ReminderNotScheduled
        ? host.log.error('connect.reminder_not_scheduled', { questionId: err.questionId, ...errorFields(err.cause) })
        : host.log.warn('connect.bookkeeping_failed', errorFields(err)),
    );

    /** The reference was written by threadRef; read back from storage, so parsed again. */
    const threadOf = (q: Question): ConversationRef => {
      const ref = parseReference(q.thread);
      if (!ref) throw new Error('stored question thread is not a reference');
      return ref;
    };
    const postInThread = async (q: Question, message: OutMessage): Promise<string | undefined> => host.poster.post(threadOf(q), message);
    /** Changes show on the posted question card for everyone (the presser also gets it in the invoke response). */
    const refresh = async (log: Logger, q: Question): Promise<void> => {
      // The card in the question's own thread and its copies in routed channels, all alike.
      const copies = (q.copies ?? []).flatMap((c) => (c.cardId && c.thread ? [{ ref: parseReference(c.thread), cardId: c.cardId }] : []));
      const targets = [...(q.cardId ? [{ ref: threadOf(q), cardId: q.cardId }] : []), ...copies];
      await Promise.all(
        targets.map(async ({ ref, cardId }) => {
          if (!ref) return;
          try {
            await host.poster.update(ref, cardId, { card: questionCard(q) });
          } catch (err) {
            log.warn('connect.card_update_failed', errorFields(err));
          }
        }),
      );
    };

    /**
     * A copy of the question card in each channel its bucket is routed to, beside the reply:
     * once per question and channel (a claim row: a second instance or a retry posts nothing),
     * through the poster (which backs off on 429); a channel that refuses is logged and released.
     */
    const crossPost = (q: Question): void => {
      for (const copy of q.copies ?? []) {
        if (copy.cardId) continue;
        service.later(
          (async () => {
            const ref = parseReference(copy.reference);
            if (!ref || !(await service.repo.claimCopy(q, q.questionId, copy.conversationId, host.clock.now()))) return;
            try {
              const posted = await host.poster.post(ref, { text: s.routedHere(q.bucket), card: questionCard(q) });
              if (posted) await service.copyPosted(q, copy.conversationId, JSON.stringify(threadOfPost(ref, posted)), posted);
              host.log.info('connect.cross_posted', { questionId: q.questionId });
            } catch (err) {
              await service.repo.releaseCopy(q, q.questionId, copy.conversationId);
              host.log.warn('connect.cross_post_failed', { questionId: q.questionId, ...errorFields(err) });
            }
          })(),
        );
      }
    };

    // The index is written beside the turn that made the contribution, not inside it: a story's
    // capture turn does not wait for it. Connect's own reads on this instance wait for what is in
    // flight, so someone who just told a story is found by the next `who knows`.
    // The backlog is bounded: past it, the contributing turn waits for room (nothing is dropped).
    const inflight = new WriteBehind(WRITE_BEHIND_MAX);
    host.events.on('contributed', async (event) => {
      const mine = expertiseOf(event);
      if (!mine) return;
      await inflight.add(() =>
        service.recordContribution(mine).then(
          () => undefined,
          // Bookkeeping: the contribution itself is saved; the index catches up with the next one.
          (err: unknown) => host.log.warn('connect.index_failed', { tenantId: event.tenantId, kind: event.kind, ...errorFields(err) }),
        ),
      );
    });
    // An edited story's excerpt follows in the shortlists that quote it, within the editing turn.
    host.events.on('storyEdited', async (event) => {
      await service.reviseStory(event).catch((err: unknown) => host.log.warn('connect.shortlist_revise_failed', { tenantId: event.tenantId, ...errorFields(err) }));
    });
    const settled = async (): Promise<void> => {
      await inflight.settled();
    };

    // A call's question nobody answered during the call becomes a question for the network,
    // posted in the call's conversation (a thread of its own) as if its asker had asked there
    // (call/questions.ts claims each question first, so it is asked once).
    offerNetworkQuestions(host, {
      async publish(where, q) {
        const ref = parseReference(q.reference);
        if (!ref) throw new Error('stored conversation reference is not readable');
        const text = q.text.trim().length > MAX_QUESTION_LENGTH ? `${q.text.trim().slice(0, MAX_QUESTION_LENGTH - 1)}…` : q.text;
        const question = await service.ask(where, q.askedBy, text, q.reference);
        let posted: string | undefined;
        try {
          posted = await host.poster.post(ref, { text: s.fromCall(safeLine(q.callTitle, 120)), card: questionCard(question) });
        } finally {
          service.recordAsked(question, undefined);
        }
        if (posted) await service.posted(question, JSON.stringify(threadOfPost(ref, posted)), posted);
        crossPost(question);
        host.log.info('connect.asked', { questionId: question.questionId, fromCall: true, themes: question.themes.length, suggested: question.suggested.length });
        await asked(host, question);
      },
    });

    const claims = new RunClaims(host.store.table(JOB_RUNS_TABLE), `connect-${randomUUID()}`);
    registerCommands(host, service, settled, crossPost);
    registerButtons(host, service, postInThread, refresh);
    registerAnswerDialog(host, service, postInThread, refresh);
    registerAskTheNetwork(host, service, crossPost);
    registerIntroductions(host, new Introductions(host.store, host.clock, service.repo), claims);
    host.door.job(reminderJob(service, claims, async (q, text) => void (await postInThread(q, { ...mentioning(`${mentionOf(q.asker).text} ${text}`, [q.asker]), card: reminderCard(q) })), host.log));
    return { stop: async () => void (await Promise.all([settled(), service.settled()])) };
  },
};

/**
 * What the expertise index learns from a contribution: stories told, topics proposed, notes
 * taken. Votes, endorsements and questions show interest, not knowledge; answers are counted by
 * Connect itself when accepted (the event's 'answer' is any answer, for insights).
 */
function expertiseOf(c: BotEventMap['contributed']): Contribution | undefined {
  if (c.kind !== 'story' && c.kind !== 'topic' && c.kind !== 'note') return undefined;
  // An anonymous story credits nobody: naming its teller as knowing the theme would say who told it.
  if (c.anonymous) return undefined;
  const story = c.kind === 'story' && c.story?.text ? { storyId: c.story.storyId, text: c.story.text, tellerName: c.story.tellerName ?? c.name } : undefined;
  return { tenantId: c.tenantId, spaceId: c.spaceId, personId: c.personId, name: c.name, kind: c.kind, themes: c.themes, text: c.text, story, at: c.at };
}

const isChannelId = (id: string): boolean => /^19:[^;]+@thread\.(tacv2|skype)$/.test(id);

/** Where to post in a channel of the turn's team: the turn's service and bot, the channel's id. */
function channelRef(turn: Turn, channelId: string): ConversationRef {
  return { ...turn.reference, conversation: { id: channelId, tenantId: turn.tenantId, conversationType: 'channel', isGroup: true } };
}

type PostInThread = (q: Question, message: OutMessage) => Promise<string | undefined>;
type Refresh = (log: Logger, q: Question) => Promise<void>;

function registerCommands(host: FeatureHost, service: ConnectService, settled: () => Promise<void>, crossPost: (q: Question) => void): void {
  const conversations = new ConversationRepo(host.store.table(CONVERSATIONS_TABLE));
  const { door } = host;
  door.command({
    name: 'ask',
    usage: s.askUsage,
    summary: s.askSummary,
    group: s.group,
    scopes: [...scopes],
    // The question's own transaction de-duplicates a re-delivery (a row keyed by the activity
    // id; the call's live queue is claimed with the same row): the door skips its `processed` row.
    deduplicatesItself: true,
    async handle(turn, args, reply) {
      const place = placeOf(turn);
      // During a call (its running note is live) the question joins the call's queue. Whether a
      // call is live and what the network question would be are found at once: preparing reads
      // only, so it is dropped when the call takes the question. The call's read is asked for
      // first, so its round trip overlaps the tagger's work.
      // `visibility: network` is read first: a word it does not know is refused before anything else.
      const { text, visibility } = askedVisibility(args);
      const activityId = turn.activityId;
      let claimed = false;
      const claim = async (): Promise<boolean> => !activityId || (claimed = await service.repo.claimAsking(place, turn.conversationId, activityId, host.clock.now()));
      const live = callQuestionsOf(host)?.askIfLive(turn, text, claim);
      live?.catch(() => undefined);
      const prepared = settled().then(() => service.prepare(place, personOf(turn), text, JSON.stringify(threadRef(turn, turn.activityId)), visibility));
      prepared.catch(() => undefined);
      const taken = await live?.catch(async (err: unknown) => {
        // The call's write failed after the claim: released, so a re-delivery may try again (as the door's own row would be).
        if (claimed && activityId) await service.repo.releaseAsking(place, turn.conversationId, activityId);
        throw err;
      });
      if (taken && 'redelivered' in taken) return void reply.log.info('activity.duplicate', { activityId: turn.activityId });
      if (taken) return void (await reply.text(visibility === 'network' ? `${taken.text} ${s.liveStaysInTeam}` : taken.text));
      const saved = await service.save(await prepared, turn.activityId);
      // A re-delivery: nothing more, unless the question is stored without its card (the first
      // delivery's post failed, or it stopped): then this delivery posts it.
      const resumed = saved || !activityId ? undefined : await service.resumeCard(place, activityId);
      if (!saved && !resumed) return void reply.log.info('activity.duplicate', { activityId: turn.activityId });
      const question = saved ?? resumed!.question;
      const count = !resumed || resumed.count;
      reply.log.info(resumed ? 'connect.card_resumed' : 'connect.asked', { questionId: question.questionId, themes: question.themes.length, suggested: question.suggested.length, related: question.related.length, visibility: question.visibility ?? 'team' });
      let posted: string | undefined;
      try {
        posted = await reply.card(questionCard(question));
      } catch (err) {
        // The question is stored without its card: a re-delivery of this activity may post it now.
        if (activityId) await service.releaseCard(place, activityId).catch((e: unknown) => reply.log.warn('connect.card_release_failed', { questionId: question.questionId, ...errorFields(e) }));
        throw err;
      } finally {
        // Once Teams has its answer, not before it: the reminder row, the bucket's counter, the
        // card's id (see recordAsked); also when the card's post failed (the question is stored).
        reply.afterAnswer(() => service.recordAsked(question, posted, { count }));
      }
      reply.afterAnswer(() => {
        crossPost(question);
        if (count) asked(host, question).catch((err: unknown) => reply.log.warn('connect.asked_event_failed', { questionId: question.questionId, ...errorFields(err) }));
      });
    },
  });

  door.command({
    name: 'who',
    usage: s.whoUsage,
    summary: s.whoSummary,
    group: s.group,
    scopes: [...scopes],
    async handle(turn, args, reply) {
      const m = /^knows\b\s*([\s\S]*)$/i.exec(args.trim());
      if (!m) return void (await reply.text(s.whoEmpty));
      await settled();
      const { themes, experts } = await service.whoKnows(placeOf(turn), m[1] ?? '', personOf(turn));
      await reply.card(whoKnowsCard(themes, experts, host.clock.now()));
    },
  });

  door.command({
    name: 'buckets',
    usage: s.bucketsUsage,
    summary: s.bucketsSummary,
    group: s.group,
    scopes: [...scopes],
    async handle(turn, args, reply) {
      const m = /^set\b\s*([\s\S]*)$/i.exec(args.trim());
      if (!m) return void (await reply.card(bucketsCard(await service.buckets(placeOf(turn)))));
      const rest = m[1] ?? '';
      const colon = rest.indexOf(':');
      if (colon <= 0) return void (await reply.text(s.bucketsSetUsage));
      // People and channels are @mentioned alike; a channel's id is a thread id (19:…@thread.tacv2).
      const owners = turn.mentions.filter((m) => !isChannelId(m.userId)).map((p) => ({ userId: p.userId, userName: p.userName }));
      const channels = turn.mentions.filter((m) => isChannelId(m.userId)).map((m) => ({ conversationId: m.userId, name: m.userName, reference: JSON.stringify(channelRef(turn, m.userId)) }));
      // A channel of this team: its General channel (the team's id), or one the registry knows in this team.
      const inTeam = async (id: string): Promise<boolean> => {
        if (!turn.teamId) return false;
        if (id === turn.teamId) return true;
        const known = await conversations.get(turn.tenantId, id);
        return known?.status === 'active' && known.teamId === turn.teamId;
      };
      const { theme, route } = await service.setBucket(placeOf(turn), personOf(turn), rest.slice(0, colon).trim(), owners, channels, inTeam);
      const names = route.owners.map((o) => o.userName).join(', ');
      await reply.text(route.channels.length ? s.bucketsSetChannels(theme, names, route.channels.map((c) => s.channelLabel(c.name)).join(', ')) : s.bucketsSet(theme, names));
    },
  });

  for (const [name, hidden] of [['hide', true], ['show', false]] as const) {
    door.command({
      name,
      usage: hidden ? s.hideUsage : s.showUsage,
      summary: hidden ? s.hideSummary : s.showSummary,
      group: s.group,
      async handle(turn, args, reply) {
        if (args.trim().toLowerCase() !== 'me') return void (await reply.text(s.hideUsage2));
        if (hidden) await service.hide(turn.tenantId, personOf(turn));
        else await service.show(turn.tenantId, personOf(turn));
        await reply.text(hidden ? s.hidden : s.shown);
      },
    });
  }
}

function registerButtons(host: FeatureHost, service: ConnectService, postInThread: PostInThread, refresh: Refresh): void {
  const { door } = host;
  door.cardAction({
    verb: VERB.claim,
    schema: questionData,
    strings,
    async handle(turn, data, reply) {
      const { question, outcome } = await service.claim(placeOf(turn), data.questionId, data.v, personOf(turn));
      if (outcome === 'claimed') {
        const asker = mentionOf(question.asker);
        await Promise.all([postInThread(question, mentioning(s.askerToldWhoHelps(asker.text, turn.userName), [question.asker])), refresh(reply.log, question)]);
      }
      return { card: questionCard(question, outcome === 'taken' ? s.alreadyClaimed(question.claimedBy?.userName ?? '') : s.claimedByYou) };
    },
  });

  door.cardAction({
    verb: VERB.decline,
    schema: questionData,
    strings,
    async handle(turn, data, reply) {
      const { question, next } = await service.decline(placeOf(turn), data.questionId, data.v, personOf(turn));
      await Promise.all([next ? postInThread(question, mentioning(s.nextSuggestion(mentionOf(next).text), [next])) : undefined, refresh(reply.log, question)]);
      return { card: questionCard(question, next || question.suggested.length ? s.declined : `${s.declined} ${s.noMoreSuggestions}`) };
    },
  });

  door.cardAction({
    verb: VERB.accept,
    schema: answerData,
    strings,
    // The pressed message is the answer card: everyone sees it accepted.
    shared: 'pressed',
    async handle(turn, data, reply) {
      const { question, answer, outcome } = await service.accept(placeOf(turn), data.questionId, data.answerId, personOf(turn));
      if (outcome === 'accepted') {
        await Promise.all([refresh(reply.log, question), postInThread(question, { text: s.acceptedNotice(question.asker.userName, answer.author.userName) })]);
      }
      return { card: answerCard(question, answer) };
    },
  });

  // "Propose for the next call" on the reminder: the question becomes a topic of the
  // conversation's next call through the agenda's port (ports.ts), once; everyone's copy of the
  // reminder shows which topic it became.
  door.cardAction({
    verb: VERB.propose,
    schema: z.object({ questionId: z.string().regex(QUESTION_ID) }),
    strings,
    shared: 'pressed',
    current: async (turn, data, notice) => reminderCard(await service.find(placeOf(turn), data.questionId), notice.text),
    async handle(turn, data, reply) {
      const { question, outcome } = await service.proposeForNextCall(placeOf(turn), data.questionId, personOf(turn), portOf(host, 'nextCallTopics'));
      const p = question.proposed;
      if (outcome === 'proposed') reply.log.info('connect.proposed_for_call', { questionId: question.questionId, topic: p?.topicNumber });
      return { card: reminderCard(question, outcome === 'already' ? s.proposedAlready(p?.topicNumber, p?.callTitle, p?.by.userName ?? '') : undefined), everyone: reminderCard(question) };
    },
  });

  // Who may see it: set-state (the button names the visibility), the asker or an organizer.
  door.cardAction({
    verb: VERB.visibility,
    schema: visibilityData,
    strings,
    async handle(turn, data, reply) {
      const { question, changed } = await service.setVisibility(placeOf(turn), data.questionId, personOf(turn), data.visibility);
      reply.log.info('connect.visibility', { questionId: question.questionId, visibility: data.visibility, changed });
      const name = s.visibilityNames[data.visibility];
      if (changed) await refresh(reply.log, question);
      return { card: questionCard(question, changed ? s.visibilitySet(name) : s.visibilityUnchanged(name)) };
    },
  });

  door.cardAction({
    verb: VERB.saveStory,
    schema: answerData,
    strings,
    async handle(turn, data) {
      const { created } = await service.saveAnswerAsStory(placeOf(turn), data.questionId, data.answerId, personOf(turn));
      return { text: created ? s.savedAsStory : s.savedAsStoryAlready };
    },
  });
}

function registerAnswerDialog(host: FeatureHost, service: ConnectService, postInThread: PostInThread, refresh: Refresh): void {
  host.door.cardDialog({
    verb: VERB.answer,
    strings,
    fetchSchema: fetchData,
    async fetch(turn, data) {
      try {
        const q = await service.find(placeOf(turn), data.questionId);
        return { dialog: { title: s.dialogTitle, card: answerDialog(q, newAnswerId()), width: 'medium', height: 'medium' } };
      } catch (err) {
        if (isUserError(err)) return { text: err.message };
        throw err;
      }
    },
    submitSchema: submitData,
    async submit(turn, data, reply) {
      let result;
      try {
        result = await service.answer(placeOf(turn), data.questionId, data.answerId, personOf(turn), data.answer);
      } catch (err) {
        if (isUserError(err)) return { text: err.message };
        throw err;
      }
      const { question, answer, duplicate } = result;
      if (duplicate) return { text: s.duplicateAnswer };
      reply.log.info('connect.answered', { questionId: question.questionId, answers: question.answerIds.length });
      // Insights counts answers and the time to a question's first answer.
      await host.events.emit('contributed', { tenantId: turn.tenantId, spaceId: turn.spaceId, personId: turn.userId, name: turn.userName, kind: 'answer', at: host.clock.now(), themes: question.themes, ...(question.answerIds.length === 1 ? { firstAnswerTo: { askedAt: new Date(question.createdAt) } } : {}) });
      try {
        await Promise.all([postInThread(question, { card: answerCard(question, answer) }), refresh(reply.log, question)]);
      } catch (err) {
        reply.log.warn('connect.answer_post_failed', errorFields(err));
        return { text: s.answerSavedNotPosted };
      }
      // Nothing more to show: the dialog closes and the answer is in the thread.
      return { close: true };
    },
  });
}
