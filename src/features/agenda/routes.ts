import { randomUUID } from 'node:crypto';
import { isUserError, UserError } from '../../errors';
import { RunClaims, JOB_RUNS_TABLE } from '../../jobs/claims';
import { errorFields } from '../../log';
import type { Conversation, Person } from '../../people/model';
import type { Turn } from '../../teams/door';
import type { Feature, FeatureHost } from '../feature';
import { provide } from '../ports';
import type { AdaptiveCard } from '../../cards/types';
import type { Notice } from '../../teams/door';
import { agendaCard, callFormCard, endedCard, endEarlyCard, nearDuplicateCard, recapCard, VERBS, type AgendaViewer } from './cards';
import { sameMeaning } from './similar';
import { callView, type AgendaView, type TopicView } from './views';
import { recapOf } from './recaps';
import { CardUpdateCoalescer } from './coalescer';
import { TableUpdateSlots, UPDATE_SLOTS_TABLE } from '../../jobs/updateSlots';
import { autoCloseJob, autoFinaliseJob } from './jobs';
import { LiveCards, UPDATE_INTERVAL_MS } from './live';
import { cardData, newCallFromForm, parseCallShortcut } from './parse';
import { AGENDA_TABLES, type TopicRow } from './repo';
import { localToUtc, readableLocal } from './schedule';
import { normaliseForComparison } from '../../teams/text';
import { AgendaService, type NewCall } from './service';
import { agendaCallStrings as cs, agendaStrings as s } from './strings';
import { RSVP_VERB } from './callCard';
import { calendarLinks } from './calendarRoute';
import { DEFAULT_TOP_N } from './views';

/** What the benchmark and tests may reach in a running bot: the service and the card coalescer. */
const internals = new WeakMap<FeatureHost, { service: AgendaService; live: LiveCards }>();
export function agendaInternals(host: FeatureHost): { service: AgendaService; live: LiveCards } | undefined {
  return internals.get(host);
}

const whereOf = (t: Turn): Conversation => ({ tenantId: t.tenantId, conversationId: t.conversationId, spaceId: t.spaceId });
const whoOf = (t: Turn): Person => ({ userId: t.userId, userName: t.userName });
/** A vote taken back is no longer a vote: insights takes it off the day it was cast (the person still took part). */
const voteWithdrawn = (host: FeatureHost, t: Turn, at: Date): Promise<void> =>
  host.events.emit('contributionWithdrawn', { tenantId: t.tenantId, spaceId: t.spaceId, personId: t.userId, kind: 'vote', at });
/** A deleted topic is no longer a proposal: insights takes it off the day it was proposed, for its proposer. */
const topicWithdrawn = (host: FeatureHost, t: Turn, topic: TopicRow): Promise<void> =>
  host.events.emit('contributionWithdrawn', { tenantId: t.tenantId, spaceId: t.spaceId, personId: topic.proposedBy, kind: 'topic', at: new Date(topic.proposedAt) });
/** Tells insights someone took part (after it is saved). */
const contributed = (host: FeatureHost, t: Turn, kind: 'topic' | 'vote' | 'note', call: { callId: string; title?: string }, text?: string): Promise<void> =>
  host.events.emit('contributed', { tenantId: t.tenantId, spaceId: t.spaceId, personId: t.userId, name: t.userName, kind, at: host.clock.now(), call, ...(text ? { text } : {}) });

export const agendaFeature: Feature = {
  name: 'agenda',
  tables: [...Object.values(AGENDA_TABLES), UPDATE_SLOTS_TABLE],
  create(host) {
    const { door } = host;
    const calendar = calendarLinks(host);
    const service = new AgendaService(host.store, host.clock, { autoFinaliseHours: host.config.agenda.autoFinaliseHours, calendarLink: calendar?.link });
    if (calendar) host.web.push(calendar.route(service));
    // At most one update per card per interval across every instance (the slot row in storage).
    const slots = new TableUpdateSlots(host.store.table(UPDATE_SLOTS_TABLE), UPDATE_INTERVAL_MS, host.instances.id);
    const coalescer = new CardUpdateCoalescer(UPDATE_INTERVAL_MS, (err) => host.log.warn('agenda.card_update_failed', errorFields(err)), slots);
    const live = new LiveCards(service, host.poster, coalescer);
    internals.set(host, { service, live });
    // Connect proposes an unanswered question as a topic for the next call (ports.ts).
    provide(host, 'nextCallTopics', {
      async propose(where, who, text) {
        const { call, topic } = await service.proposeTopic(where, who, text);
        await host.events.emit('contributed', { tenantId: where.tenantId, spaceId: where.spaceId, personId: who.userId, name: who.userName, kind: 'topic', at: host.clock.now(), call: { callId: call.callId, title: call.title }, text: topic.title });
        await live.touchAll(where, call.callId);
        return { callId: call.callId, callTitle: call.title, topicNumber: topic.number };
      },
    });
    const scopes: Turn['conversationType'][] = ['channel', 'groupChat'];
    const group = s.group;

    door.command({
      name: 'call',
      usage: s.callUsage,
      summary: s.callSummary,
      group,
      scopes,
      async handle(turn, args, reply) {
        const sub = args.trim().toLowerCase();
        if (sub === '' || sub === 'new') {
          await reply.card(callFormCard(turn.timeZone));
          return;
        }
        if (sub === 'done' || sub === 'end') {
          // Before the call's start, ending it is most likely a slip: ask first.
          const open = await service.currentCall(turn);
          if (open && open.status !== 'ended' && host.clock.now().getTime() < open.startsAt) {
            await reply.card(endEarlyCard(callView(open)));
            return;
          }
          const recap = await service.endCall(whereOf(turn), whoOf(turn));
          await reply.card(recapCard(recap));
          await live.touchAll(turn, recap.call.callId);
          return;
        }
        const input = parseCallShortcut(args, turn.timeZone);
        await refuseDuplicateCall(turn, input);
        const call = await service.createCall(whereOf(turn), whoOf(turn), input, turn.reference);
        await live.post(reply, turn, call.callId, { text: s.callCreated(call.title, readableLocal(new Date(call.startsAt), call.timeZone)), tone: 'good' });
      },
    });

    door.command({
      name: 'topic',
      usage: s.topicUsage,
      summary: s.topicSummary,
      group,
      scopes,
      async handle(turn, args, reply) {
        // `topic edit 2 <text>` / `topic delete 2`: changing one's own topic (a number is required, so a topic may still start with "edit").
        const edit = /^(edit|change|delete|remove)\b\s*#?(\d{1,4})?\b\s*([\s\S]*)$/i.exec(args.trim());
        if (edit && (edit[2] || !edit[3])) {
          const n = Number(edit[2]);
          if (!edit[2]) return void (await reply.text(s.topicEditHow));
          if (/^(delete|remove)$/i.test(edit[1]!)) {
            const { call, votes, topic } = await service.deleteTopic(whereOf(turn), whoOf(turn), n);
            await topicWithdrawn(host, turn, topic);
            await reply.text(s.topicDeleted(n, votes));
            await live.touchAll(turn, call.callId);
            return;
          }
          const { call, topic, changed } = await service.editTopic(whereOf(turn), whoOf(turn), n, edit[3] ?? '');
          await reply.text(changed ? s.topicEdited(n, topic.title) : s.topicUnchanged(n));
          if (changed) await live.touchAll(turn, call.callId);
          return;
        }
        const open = await service.currentCall(turn);
        const similar = open?.status === 'open' ? await nearDuplicate(turn, open.callId, args) : undefined;
        if (similar) {
          await reply.card(nearDuplicateCard(similar.view.call, similar.topic, args.replace(/\s+/g, ' ').trim()));
          return;
        }
        const { call, topic } = await service.proposeTopic(whereOf(turn), whoOf(turn), args);
        await contributed(host, turn, 'topic', call, topic.title);
        await reply.text(s.topicAdded(topic.number, topic.title, call.title));
        await live.touchAll(turn, call.callId);
      },
    });

    door.command({
      name: 'agenda',
      usage: s.agendaUsage,
      summary: s.agendaSummary,
      group,
      scopes,
      async handle(turn, _args, reply) {
        const call = await service.currentCall(turn);
        if (!call) {
          await reply.text(s.noCall);
          return;
        }
        await live.post(reply, turn, call.callId);
      },
    });

    door.command({
      name: 'note',
      aliases: ['notes'],
      usage: s.noteUsage,
      summary: s.noteSummary,
      group,
      scopes,
      async handle(turn, args, reply) {
        const { kind, topic, callId, offRecord } = await service.addNote(whereOf(turn), whoOf(turn), args);
        // Off the record: nobody is credited (who knows, stats) with what was said.
        if (!offRecord) await contributed(host, turn, 'note', { callId }, args);
        await reply.text(s.noteAdded(kind, topic));
        await host.events.emit('noteAdded', { tenantId: turn.tenantId, conversationId: turn.conversationId, callId });
      },
    });

    door.command({
      name: 'recap',
      usage: s.recapUsage,
      summary: s.recapSummary,
      group,
      scopes,
      async handle(turn, args, reply) {
        const date = args.trim();
        if (date && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
          await reply.text(s.badRecapDate);
          return;
        }
        const recap = await service.recap(turn, date || undefined, turn.timeZone);
        await reply.card(recapCard(recap));
      },
    });

    door.command({
      name: 'organizers',
      aliases: ['organisers', 'organizer', 'organiser'],
      usage: s.organizersUsage,
      summary: s.organizersSummary,
      group,
      scopes,
      async handle(turn, args, reply) {
        const sub = args.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
        if (sub === '') return void (await reply.text(s.organizersList(await service.listOrganizers(whereOf(turn)))));
        if (sub !== 'add') return void (await reply.text(s.organizersUnknownSub));
        const people = turn.mentions.map((p) => ({ userId: p.userId, userName: p.userName }));
        const { added, already } = await service.addOrganizers(whereOf(turn), whoOf(turn), people);
        await reply.text([added.length ? s.organizersAdded(added) : '', already.length ? s.organizersAlready(already) : ''].filter(Boolean).join(' '));
      },
    });

    /**
     * Card buttons (Action.Execute) through the door's pipeline. The answer to a press is the
     * presser's own view (their votes marked, organizer controls if they organize, the notice);
     * the pipeline remembers the notice under the call (`subject`), and Teams' refresh of their
     * view (`agenda.view`, after the shared card is updated) shows it again, so feedback stays
     * until their next action. Refusals and failures answer the true card with a notice; the
     * shared card is updated for everyone through the coalescer, only when it changed.
     */
    const agendaCardAction = { strings: { badData: s.badCardData }, subject: (data: { callId: string }) => `call:${data.callId}` };
    const viewerOf = async (turn: Turn): Promise<AgendaViewer> => ({ userId: turn.userId, organizer: await service.isOrganizer(whereOf(turn), turn.userId) });
    const personal = async (turn: Turn, callId: string, notice?: Notice): Promise<AdaptiveCard> => {
      const [view, viewer, audience] = await Promise.all([service.agendaView(turn, callId), viewerOf(turn), live.audience(turn.reference)]);
      return agendaCard(view, notice, viewer, audience);
    };
    const current = (turn: Turn, data: { callId: string }, notice: Notice) => personal(turn, data.callId, notice);
    // The live copy of the call is brought up to date, whichever card was pressed (a near-duplicate
    // offer, a pointer); only registered cards are ever updated, and only when they change.
    const shared = (turn: Turn, data: { callId: string }) => live.touchAll(turn, data.callId);

    // The presser's own view of the live agenda: the card's refresh (Teams asks for each member's
    // view) and the manual "Show my votes" (VERBS.view); "Open the agenda" on a digest or a
    // pointer (VERBS.open).
    for (const verb of [VERBS.view, VERBS.open]) {
      door.cardAction({
        ...agendaCardAction,
        verb,
        schema: cardData.open,
        view: true,
        async handle(turn, data, _reply, context) {
          return { card: await personal(turn, data.callId, context.notice) };
        },
        current,
      });
    }

    // "Open the agenda" on a recap: the live agenda as a new message; the recap stays as it is.
    door.cardAction({
      ...agendaCardAction,
      verb: VERBS.post,
      schema: cardData.open,
      view: true,
      async handle(turn, data, reply) {
        await live.post(reply, turn, data.callId);
        return { text: s.agendaPosted };
      },
    });

    // Who may see a recap: set-state (the button names the choice), organizers only; the posted
    // recap shows the choice to everyone.
    door.cardAction({
      verb: VERBS.recapVisibility,
      schema: cardData.recapVisibility,
      strings: { badData: s.badCardData },
      shared: 'pressed',
      current: async (turn, data, notice) => recapCard(await recapOf(service, turn, data.callId), notice.text),
      async handle(turn, data, reply) {
        const network = data.visibility === 'network';
        const { changed } = await service.shareRecap(whereOf(turn), whoOf(turn), data.callId, data.visibility);
        reply.log.info('agenda.recap_visibility', { callId: data.callId, visibility: data.visibility, changed });
        const recap = await recapOf(service, turn, data.callId);
        return { card: recapCard(recap, changed ? s.recapVisibilitySet(network) : s.recapVisibilityUnchanged(network)), everyone: recapCard(recap), unchanged: !changed };
      },
    });

    // The next notes of a long recap: the reader's own view; the posted recap does not change.
    door.cardAction({
      strings: { badData: s.badCardData },
      verb: VERBS.recapMore,
      schema: cardData.recapMore,
      view: true,
      async handle(turn, data) {
        return { card: recapCard(await recapOf(service, turn, data.callId), undefined, data.from) };
      },
    });

    door.cardAction({
      ...agendaCardAction,
      verb: VERBS.vote,
      schema: cardData.vote,
      current,
      shared,
      async handle(turn, data) {
        if (data.vote === undefined) {
          // An older card's "vote / unvote" toggle: what it meant is unknown, so nothing changes.
          const notice = { text: s.olderCard, tone: 'attention' as const };
          return { card: await personal(turn, data.callId, notice), notice, unchanged: true };
        }
        const { changed, withdrawn } = await service.setVote(whereOf(turn), whoOf(turn), data.callId, data.topic, data.rev, data.vote);
        if (changed && data.vote) await contributed(host, turn, 'vote', { callId: data.callId });
        if (withdrawn) await voteWithdrawn(host, turn, withdrawn);
        const notice = { text: data.vote ? s.voted(data.topic) : s.unvoted(data.topic), tone: 'good' as const };
        return { card: await personal(turn, data.callId, notice), notice, unchanged: !changed };
      },
    });

    door.cardAction({
      ...agendaCardAction,
      verb: VERBS.propose,
      schema: cardData.propose,
      current,
      shared,
      async handle(turn, data) {
        // On the card there is no command: the hint speaks about the box.
        if (!(data.topic ?? '').trim()) throw new UserError(s.topicEmptyOnCard);
        const similar = data.anyway ? undefined : await nearDuplicate(turn, data.callId, data.topic ?? '');
        if (similar) throw new UserError(s.nearDuplicateOnCard(similar.topic.number));
        const result = await service.proposeTopic(whereOf(turn), whoOf(turn), data.topic ?? '', { callId: data.callId, rev: data.rev });
        await contributed(host, turn, 'topic', result.call, result.topic.title);
        const notice = { text: s.topicAddedOnCard(result.topic.number), tone: 'good' as const };
        return { card: await personal(turn, data.callId, notice), notice };
      },
    });

    door.cardAction({
      ...agendaCardAction,
      verb: VERBS.topicEdit,
      schema: cardData.topicEdit,
      current,
      shared,
      async handle(turn, data) {
        const typed = data[`edit${data.n}`];
        // On the card there is no command: the hint speaks about the box.
        if (typeof typed !== 'string' || !typed.trim()) throw new UserError(s.topicEditEmptyOnCard);
        const { topic, changed } = await service.editTopic(whereOf(turn), whoOf(turn), data.n, typed, { callId: data.callId, rev: data.rev });
        const notice = { text: changed ? s.topicEdited(data.n, topic.title) : s.topicUnchanged(data.n), tone: 'good' as const };
        return { card: await personal(turn, data.callId, notice), notice, unchanged: !changed };
      },
    });

    door.cardAction({
      ...agendaCardAction,
      verb: VERBS.topicDelete,
      schema: cardData.topicDelete,
      current,
      shared,
      async handle(turn, data) {
        const { votes, topic } = await service.deleteTopic(whereOf(turn), whoOf(turn), data.n, { callId: data.callId, rev: data.rev });
        await topicWithdrawn(host, turn, topic);
        const notice = { text: s.topicDeleted(data.n, votes), tone: 'good' as const };
        return { card: await personal(turn, data.callId, notice), notice };
      },
    });

    door.cardAction({
      ...agendaCardAction,
      verb: VERBS.finalise,
      schema: cardData.finalise,
      current,
      shared,
      async handle(turn, data) {
        const topN = data.topN === '' || data.topN === undefined ? DEFAULT_TOP_N : data.topN;
        const after = await service.finalise(whereOf(turn), whoOf(turn), data.callId, topN, data.rev);
        const notice = { text: s.finalised(after ? (JSON.parse(after.finalJson ?? '[]') as unknown[]).length : 0), tone: 'good' as const };
        return { card: await personal(turn, data.callId, notice), notice };
      },
    });

    // "I'll be there / Can't make it": the answer is carried by the button (set-state).
    door.cardAction({
      ...agendaCardAction,
      verb: RSVP_VERB,
      schema: cardData.rsvp,
      current,
      shared,
      async handle(turn, data) {
        const view = await service.agendaView(turn, data.callId);
        if (view.call.status === 'ended') return { card: agendaCard(view, { text: cs.rsvpEnded, tone: 'attention' }, turn.userId) };
        await service.attending.answer(turn, data.callId, whoOf(turn), data.going);
        return { card: agendaCard(await service.agendaView(turn, data.callId), { text: cs.rsvpSaved(data.going), tone: 'good' }, turn.userId) };
      },
    });

    // The `call new` form: the form message becomes the call's live agenda card, for everyone.
    door.cardAction({
      verb: VERBS.create,
      schema: cardData.create,
      strings: { badData: s.badForm },
      async handle(turn, data, reply) {
        try {
          const input = newCallFromForm(data, turn.timeZone);
          await refuseDuplicateCall(turn, input);
          const call = await service.createCall(whereOf(turn), whoOf(turn), input, turn.reference);
          if (turn.replyToId) await live.replaceForm(turn, call.callId, turn.replyToId);
          const notice = { text: s.callCreated(call.title, readableLocal(new Date(call.startsAt), call.timeZone)), tone: 'good' as const };
          return { card: await personal(turn, call.callId, notice), notice };
        } catch (err) {
          if (!isUserError(err)) throw err;
          reply.log.info('agenda.form_refused');
          return { card: callFormCard(turn.timeZone, { text: err.message, tone: 'attention' }, { ...data, duration: data.duration === '' ? undefined : data.duration, link: data.link }) };
        }
      },
    });

    // `call done` before the start, confirmed: the call ends, its recap is posted, and the
    // question becomes what happened, for everyone.
    door.cardAction({
      strings: { badData: s.badCardData },
      verb: VERBS.endConfirm,
      schema: cardData.endConfirm,
      shared: 'pressed',
      async handle(turn, data, reply) {
        const recap = await service.endCall(whereOf(turn), whoOf(turn), data.callId);
        await reply.card(recapCard(recap));
        await live.touchAll(turn, recap.call.callId);
        return { card: endedCard(recap.call, s.endedBy(turn.userName)) };
      },
    });

    /** A topic on the open agenda that means the same as `text` (not the exact text: the service refuses that). */
    async function nearDuplicate(turn: Turn, callId: string, text: string): Promise<{ view: AgendaView; topic: TopicView } | undefined> {
      const title = text.replace(/\s+/g, ' ').trim();
      if (!title) return undefined;
      const view = await service.agendaView(turn, callId);
      const same = normaliseForComparison(title);
      if (view.topics.some((t) => normaliseForComparison(t.title) === same)) return undefined;
      const topic = view.topics.find((t) => sameMeaning(t.title, title));
      return topic ? { view, topic } : undefined;
    }

    /** The same title at the same moment, still to come: almost certainly created twice by mistake. */
    async function refuseDuplicateCall(turn: Turn, input: NewCall): Promise<void> {
      // Bad dates are refused by the service with their own message: only a valid moment is compared.
      const when = localToUtc(input.date, input.time, input.timeZone, host.clock.now());
      if (!when.ok) return;
      const startsAt = when.at.getTime();
      const title = input.title.replace(/\s+/g, ' ').trim().toLowerCase();
      const calls = await service.repo.listCalls(whereOf(turn), "status ne 'ended'");
      const twin = calls.find((c) => c.startsAt === startsAt && c.title.replace(/\s+/g, ' ').trim().toLowerCase() === title);
      if (twin) throw new UserError(s.duplicateCall(twin.title, readableLocal(new Date(twin.startsAt), twin.timeZone)));
    }

    const claims = new RunClaims(host.store.table(JOB_RUNS_TABLE), `agenda-${randomUUID()}`);
    door.job(autoFinaliseJob(service, claims, live, host.log));
    door.job(autoCloseJob(service, claims, live, host.log));
    return {
      // A pending update carries votes this instance received: send it before stopping the coalescer.
      async stop() {
        await coalescer.settled().catch((err: unknown) => host.log.error('agenda.card_updates_settle_failed', errorFields(err)));
        coalescer.stop();
      },
    };
  },
};
