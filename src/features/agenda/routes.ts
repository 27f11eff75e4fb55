import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import type { AdaptiveCard as TeamsAdaptiveCard } from '@microsoft/teams-ai';
import type { z } from 'zod';
import { isUserError } from '../../errors';
import { RunClaims, JOB_RUNS_TABLE } from '../../jobs/claims';
import { errorFields } from '../../log';
import { tell } from '../../teams/replies';
import { mentionedPeople, referenceOf, turnOf, type Turn } from '../../teams/turn';
import type { AdaptiveCard } from '../../cards/types';
import type { Feature, FeatureHost } from '../feature';
import { agendaCard, callFormCard, recapCard, VERBS, type Notice } from './cards';
import { CardUpdateCoalescer } from './coalescer';
import { autoCloseJob, autoFinaliseJob } from './jobs';
import { cardActivity, LiveCards, UPDATE_INTERVAL_MS } from './live';
import { cardData, newCallFromForm, parseCallShortcut } from './parse';
import { AGENDA_TABLES } from './repo';
import { readableLocal } from './schedule';
import { AgendaService, type Where, type Who } from './service';
import { agendaStrings as s } from './strings';
import { DEFAULT_TOP_N } from './views';

/** What the benchmark and tests may reach in a running bot: the service and the card coalescer. */
const internals = new WeakMap<FeatureHost, { service: AgendaService; live: LiveCards }>();
export function agendaInternals(host: FeatureHost): { service: AgendaService; live: LiveCards } | undefined {
  return internals.get(host);
}

const whereOf = (t: Turn): Where => ({ tenantId: t.tenantId, conversationId: t.conversationId, spaceId: t.spaceId });
const whoOf = (t: Turn): Who => ({ userId: t.userId, userName: t.userName });
/** Tells insights someone took part (after it is saved). */
const contributed = (host: FeatureHost, t: Turn, kind: 'topic' | 'vote' | 'note', call: { callId: string; title?: string }): Promise<void> =>
  host.events.emit('contributed', { tenantId: t.tenantId, spaceId: t.spaceId, personId: t.userId, name: t.userName, kind, at: host.clock.now(), call });
const asTeamsCard = (c: AdaptiveCard): TeamsAdaptiveCard => c as unknown as TeamsAdaptiveCard;

export const agendaFeature: Feature = {
  name: 'agenda',
  tables: Object.values(AGENDA_TABLES),
  register(host) {
    const service = new AgendaService(host.store, host.clock, { autoFinaliseHours: host.config.agenda.autoFinaliseHours });
    const coalescer = new CardUpdateCoalescer(UPDATE_INTERVAL_MS, (err) => host.log.warn('agenda.card_update_failed', errorFields(err)));
    const live = new LiveCards(service, host.proactive, coalescer);
    internals.set(host, { service, live });
    const scopes: Turn['conversationType'][] = ['channel', 'groupChat'];
    const group = s.group;

    host.commands.add({
      name: 'call',
      usage: s.callUsage,
      summary: s.callSummary,
      group,
      scopes,
      async handle(context, turn, args) {
        const sub = args.trim().toLowerCase();
        if (sub === '' || sub === 'new') {
          await context.sendActivity(cardActivity(callFormCard(turn.timeZone)));
          return;
        }
        if (sub === 'done' || sub === 'end') {
          const recap = await service.endCall(whereOf(turn), whoOf(turn));
          await context.sendActivity(cardActivity(recapCard(recap)));
          await live.touchAll(turn, recap.call.callId);
          return;
        }
        const call = await service.createCall(whereOf(turn), whoOf(turn), parseCallShortcut(args, turn.timeZone), referenceOf(context));
        await live.post(context, turn, call.callId, { text: s.callCreated(call.title, readableLocal(new Date(call.startsAt), call.timeZone)), tone: 'good' });
      },
    });

    host.commands.add({
      name: 'topic',
      usage: s.topicUsage,
      summary: s.topicSummary,
      group,
      scopes,
      async handle(context, turn, args) {
        const { call, topic } = await service.proposeTopic(whereOf(turn), whoOf(turn), args);
        await contributed(host, turn, 'topic', call);
        await tell(context, s.topicAdded(topic.number, topic.title, call.title));
        await live.touchAll(turn, call.callId);
      },
    });

    host.commands.add({
      name: 'agenda',
      usage: s.agendaUsage,
      summary: s.agendaSummary,
      group,
      scopes,
      async handle(context, turn) {
        const call = await service.currentCall(turn);
        if (!call) return tell(context, s.noCall);
        await live.post(context, turn, call.callId);
      },
    });

    host.commands.add({
      name: 'note',
      aliases: ['notes'],
      usage: s.noteUsage,
      summary: s.noteSummary,
      group,
      scopes,
      async handle(context, turn, args) {
        const { kind, topic, callId } = await service.addNote(whereOf(turn), whoOf(turn), args);
        await contributed(host, turn, 'note', { callId });
        await tell(context, s.noteAdded(kind, topic));
      },
    });

    host.commands.add({
      name: 'recap',
      usage: s.recapUsage,
      summary: s.recapSummary,
      group,
      scopes,
      async handle(context, turn, args) {
        const date = args.trim();
        if (date && !/^\d{4}-\d{2}-\d{2}$/.test(date)) return tell(context, s.badRecapDate);
        const recap = await service.recap(turn, date || undefined, turn.timeZone);
        await context.sendActivity(cardActivity(recapCard(recap)));
      },
    });

    host.commands.add({
      name: 'organizers',
      aliases: ['organisers', 'organizer', 'organiser'],
      usage: s.organizersUsage,
      summary: s.organizersSummary,
      group,
      scopes,
      async handle(context, turn, args) {
        const sub = args.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
        if (sub === '') return tell(context, s.organizersList(await service.listOrganizers(whereOf(turn))));
        if (sub !== 'add') return tell(context, s.organizersUnknownSub);
        const people = mentionedPeople(context).map((p) => ({ userId: p.id, userName: p.name }));
        const { added, already } = await service.addOrganizers(whereOf(turn), whoOf(turn), people);
        await tell(context, [added.length ? s.organizersAdded(added) : '', already.length ? s.organizersAlready(already) : ''].filter(Boolean).join(' '));
      },
    });

    /**
     * Card buttons (Action.Execute): the answer is the refreshed card for the person who pressed.
     * A refusal (UserError) changes nothing and answers with the true current card and a notice.
     */
    const onCard = <S extends z.ZodTypeAny>(
      verb: string,
      schema: S,
      handler: (context: TurnContext, turn: Turn, data: z.infer<S>) => Promise<{ callId: string; notice?: Notice }>,
    ): void => {
      host.app.adaptiveCards.actionExecute(verb, async (context, _state, raw) => {
        const turn = turnOf(context);
        const parsed = schema.safeParse(raw);
        if (!parsed.success) return s.badCardData;
        const callId = (parsed.data as { callId?: string }).callId;
        try {
          const { callId: shown, notice } = await handler(context, turn, parsed.data);
          return asTeamsCard(agendaCard(await service.agendaView(turn, shown), notice));
        } catch (err) {
          if (!isUserError(err)) throw err;
          if (!callId) throw err;
          try {
            const view = await service.agendaView(turn, callId);
            // The pressed card was out of date for everyone who sees it: bring it to the true state.
            await live.touch(turn, callId, context.activity.replyToId);
            return asTeamsCard(agendaCard(view, { text: err.message, tone: 'attention' }));
          } catch (inner) {
            if (isUserError(inner)) return err.message;
            throw inner;
          }
        }
      });
    };

    onCard(VERBS.open, cardData.open, async (_context, _turn, data) => ({ callId: data.callId }));

    onCard(VERBS.vote, cardData.vote, async (context, turn, data) => {
      const { counted } = await service.toggleVote(whereOf(turn), whoOf(turn), data.callId, data.topic, data.rev);
      await Promise.all([live.touch(turn, data.callId, context.activity.replyToId), counted ? contributed(host, turn, 'vote', { callId: data.callId }) : undefined]);
      return { callId: data.callId, notice: { text: counted ? s.voted(data.topic) : s.unvoted(data.topic), tone: 'good' } };
    });

    onCard(VERBS.propose, cardData.propose, async (context, turn, data) => {
      const { call, topic } = await service.proposeTopic(whereOf(turn), whoOf(turn), data.topic ?? '', { callId: data.callId, rev: data.rev });
      await contributed(host, turn, 'topic', call);
      await live.touchAll(turn, data.callId);
      await live.touch(turn, data.callId, context.activity.replyToId);
      return { callId: data.callId, notice: { text: s.topicAddedOnCard(topic.number), tone: 'good' } };
    });

    onCard(VERBS.finalise, cardData.finalise, async (context, turn, data) => {
      const topN = data.topN === '' || data.topN === undefined ? DEFAULT_TOP_N : data.topN;
      const after = await service.finalise(whereOf(turn), whoOf(turn), data.callId, topN, data.rev);
      await live.touchAll(turn, data.callId);
      await live.touch(turn, data.callId, context.activity.replyToId);
      return { callId: data.callId, notice: { text: s.finalised(after ? (JSON.parse(after.finalJson ?? '[]') as unknown[]).length : 0), tone: 'good' } };
    });

    // The `call new` form: the form message becomes the call's live agenda card, for everyone.
    host.app.adaptiveCards.actionExecute(VERBS.create, async (context, _state, raw) => {
      const turn = turnOf(context);
      const parsed = cardData.create.safeParse(raw);
      if (!parsed.success) return asTeamsCard(callFormCard(turn.timeZone, { text: s.badForm, tone: 'attention' }));
      try {
        const call = await service.createCall(whereOf(turn), whoOf(turn), newCallFromForm(parsed.data, turn.timeZone), referenceOf(context));
        const view = await service.agendaView(turn, call.callId);
        const replyTo = context.activity.replyToId;
        if (replyTo) {
          await context.updateActivity({ ...cardActivity(agendaCard(view)), id: replyTo });
          await live.register(turn, call.callId, replyTo, referenceOf(context));
        }
        return asTeamsCard(agendaCard(view, { text: s.callCreated(call.title, readableLocal(new Date(call.startsAt), call.timeZone)), tone: 'good' }));
      } catch (err) {
        if (!isUserError(err)) throw err;
        const d = parsed.data;
        return asTeamsCard(callFormCard(turn.timeZone, { text: err.message, tone: 'attention' }, { ...d, duration: d.duration === '' ? undefined : d.duration }));
      }
    });

    const claims = new RunClaims(host.store.table(JOB_RUNS_TABLE), `agenda-${randomUUID()}`);
    host.jobs.add(autoFinaliseJob(service, claims, live, host.log));
    host.jobs.add(autoCloseJob(service, claims, live, host.log));
  },
};
