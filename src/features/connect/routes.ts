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
import { answerCard, answerDialog, bucketsCard, mentionOf, questionCard, VERB, whoKnowsCard } from './cards';
import { registerAskTheNetwork } from './askAction';
import { registerIntroductions } from './introRoutes';
import { Introductions } from './introductions';
import { reminderJob } from './jobs';
import { ANSWER_ID, MAX_QUESTION_LENGTH, QUESTION_ID, type Contribution, type Person, type Place, type Question } from './model';
import { storiesPorts } from './ports';
import { CONNECT_TABLES } from './repo';
import { ConnectService, newAnswerId } from './service';
import { asked, mentioning, threadRef } from './shapes';
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
const fetchData = z.object({ questionId: z.string().regex(QUESTION_ID) }).passthrough();
const submitData = answerData.extend({ answer: z.string().max(20_000) }).passthrough();
const strings = { badData: s.badRequest };

const placeOf = (turn: Turn): Place => ({ tenantId: turn.tenantId, spaceId: turn.spaceId, conversationId: turn.conversationId });
const personOf = (turn: Turn): Person => ({ userId: turn.userId, userName: turn.userName });

export const connectFeature: Feature = {
  name: 'connect',
  tables: CONNECT_TABLES,
  create(host) {
    const service = new ConnectService(host.store, host.clock, storiesPorts(host.store, host.clock), { reminderHours: host.config.connect.reminderHours });

    /** The reference was written by threadRef; read back from storage, so parsed again. */
    const threadOf = (q: Question): ConversationRef => {
      const ref = parseReference(q.thread);
      if (!ref) throw new Error('stored question thread is not a reference');
      return ref;
    };
    const postInThread = async (q: Question, message: OutMessage): Promise<string | undefined> => host.poster.post(threadOf(q), message);
    /** Changes show on the posted question card for everyone (the presser also gets it in the invoke response). */
    const refresh = async (log: Logger, q: Question): Promise<void> => {
      if (!q.cardId) return;
      try {
        await host.poster.update(threadOf(q), q.cardId, { card: questionCard(q) });
      } catch (err) {
        log.warn('connect.card_update_failed', errorFields(err));
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
    const settled = async (): Promise<void> => {
      await inflight.settled();
    };

    // A call's question nobody answered during the call becomes a question for the network,
    // posted in the call's conversation as if its asker had asked here (call/questions.ts).
    offerNetworkQuestions(host, {
      async publish(where, q) {
        const ref = parseReference(q.reference);
        if (!ref) throw new Error('stored conversation reference is not readable');
        const question = await service.ask(where, q.askedBy, q.text.slice(0, MAX_QUESTION_LENGTH), q.reference);
        const posted = await host.poster.post(ref, { card: questionCard(question) });
        if (posted) await service.repo.setCardId(question, question.questionId, posted);
        await asked(host, question);
      },
    });

    const claims = new RunClaims(host.store.table(JOB_RUNS_TABLE), `connect-${randomUUID()}`);
    registerCommands(host, service, settled);
    registerButtons(host, service, postInThread, refresh);
    registerAnswerDialog(host, service, postInThread, refresh);
    registerAskTheNetwork(host, service);
    registerIntroductions(host, new Introductions(host.store, host.clock, service.repo), claims);
    host.door.job(reminderJob(service, claims, async (q, text) => void (await postInThread(q, mentioning(`${mentionOf(q.asker).text} ${text}`, [q.asker]))), host.log));
    return { stop: async () => settled() };
  },
};

/**
 * What the expertise index learns from a contribution: stories told, topics proposed, notes
 * taken. Votes, endorsements and questions show interest, not knowledge; answers are counted by
 * Connect itself when accepted (the event's 'answer' is any answer, for insights).
 */
function expertiseOf(c: BotEventMap['contributed']): Contribution | undefined {
  if (c.kind !== 'story' && c.kind !== 'topic' && c.kind !== 'note') return undefined;
  const story = c.kind === 'story' && c.story?.text ? { storyId: c.story.storyId, text: c.story.text, tellerName: c.story.tellerName ?? c.name } : undefined;
  return { tenantId: c.tenantId, spaceId: c.spaceId, personId: c.personId, name: c.name, kind: c.kind, themes: c.themes, text: c.text, story, at: c.at };
}

type PostInThread = (q: Question, message: OutMessage) => Promise<string | undefined>;
type Refresh = (log: Logger, q: Question) => Promise<void>;

function registerCommands(host: FeatureHost, service: ConnectService, settled: () => Promise<void>): void {
  const { door } = host;
  door.command({
    name: 'ask',
    usage: s.askUsage,
    summary: s.askSummary,
    group: s.group,
    scopes: [...scopes],
    async handle(turn, args, reply) {
      // During a call (its running note is live) the question joins the call's queue.
      const live = await callQuestionsOf(host)?.askIfLive(turn, args);
      if (live !== undefined) return void (await reply.text(live));
      await settled();
      const question = await service.ask(placeOf(turn), personOf(turn), args, JSON.stringify(threadRef(turn, turn.activityId)));
      reply.log.info('connect.asked', { questionId: question.questionId, themes: question.themes.length, suggested: question.suggested.length, related: question.related.length });
      const posted = await reply.card(questionCard(question));
      if (posted) await service.repo.setCardId(question, question.questionId, posted);
      await asked(host, question);
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
      const owners = turn.mentions.map((p) => ({ userId: p.userId, userName: p.userName }));
      const { theme, route } = await service.setBucket(placeOf(turn), personOf(turn), rest.slice(0, colon).trim(), owners);
      await reply.text(s.bucketsSet(theme, route.owners.map((o) => o.userName).join(', ')));
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
