import { errorFields } from '../../log';
import type { ConversationRef, Reply, Turn } from '../../teams/door';
import { z } from 'zod';
import { type Feature, type FeatureHost } from '../feature';
import { StoriesService } from '../stories/service';
import { summaryOf } from '../stories/model';
import { FORGET_HERE_VERB, FORGET_VERB, MY_DATA_VERB, forgetConfirmCard, forgetHereCard, myDataCard, goalsCard, statsCard, valueCard } from './cards';
import { personalDataOf } from './privacy';
import { randomBytes, randomUUID } from 'node:crypto';
import { RunClaims, JOB_RUNS_TABLE } from '../../jobs/claims';
import { SteppedJobs, STEPPED_JOBS_TABLE, type JobRef } from '../../jobs/steps';
import { FORGET_KIND, forgetWork, newForgetState, type ForgetState } from './forgetJob';
import { createDownloads } from './downloads';
import { retentionJob } from './retention';
import { parsePeriodName } from './period';
import { INSIGHT_DAYS_TABLE, INSIGHT_MEMBERS_TABLE } from './repo';
import { InsightsService, type StoryLookup } from './service';
import { insightStrings as s } from './strings';
import { formatAmount } from './value';
import { INSIGHT_GOALS_TABLE, INSIGHT_VALUES_TABLE } from './valueRepo';
import { DOWNLOAD_LINKS_TABLE } from './links';

/**
 * Insights in Teams: `stats`, and the counters kept from every `contributed` event.
 * Handlers take (turn, args, reply) so they move to the edge's door unchanged.
 */

const runtimes = new WeakMap<FeatureHost, InsightsService>();
const forgetJobs = new WeakMap<FeatureHost, SteppedJobs<ForgetState>>();
/** The forget-me work of a running bot (tests take a request over as after a crash). */
export function forgetJobsOf(host: FeatureHost): SteppedJobs<ForgetState> | undefined {
  return forgetJobs.get(host);
}
/** The service of a running bot (tests and the benchmark read its repo's row count). */
export function insightsOf(host: FeatureHost): InsightsService | undefined {
  return runtimes.get(host);
}

export const insightsFeature: Feature = {
  name: 'insights',
  tables: [INSIGHT_DAYS_TABLE, INSIGHT_MEMBERS_TABLE, INSIGHT_GOALS_TABLE, INSIGHT_VALUES_TABLE, DOWNLOAD_LINKS_TABLE, STEPPED_JOBS_TABLE],
  create(host) {
    const { door } = host;
    const service = new InsightsService(host.store, host.clock, host.config.links.signingSecret);
    runtimes.set(host, service);
    const space = (turn: Turn) => ({ tenantId: turn.tenantId, spaceId: turn.spaceId });
    const stories = new StoriesService(host.store, host.clock);
    const lookup: StoryLookup = async (where, storyId) => {
      const story = await stories.getStory(where, storyId);
      if (!story) return undefined;
      // The value card is one message everyone sees: an anonymous story shows its stand-in only.
      const { tellerName, customer } = summaryOf(story);
      return { text: story.text, tellerName, ...(customer ? { customer } : {}), ...(story.sourceLink ? { sourceLink: story.sourceLink } : {}) };
    };

    // Counters are bookkeeping: what was contributed is saved already; a miss is logged.
    host.events.on('contributed', async (c) => service.recordLater(c, (err) => host.log.warn('insights.count_failed', { kind: c.kind, ...errorFields(err) })));
    host.events.on('contributionWithdrawn', async (w) => service.withdrawLater(w, (err) => host.log.warn('insights.uncount_failed', { kind: w.kind, ...errorFields(err) })));

    const stats = async (turn: Turn, args: string, reply: Reply): Promise<void> => {
      const period = parsePeriodName(args);
      if (!period) return void (await reply.text(s.badPeriod(args.trim().slice(0, 30))));
      await reply.card(statsCard(await service.health(space(turn), period)));
    };

    const goals = async (turn: Turn, args: string, reply: Reply): Promise<void> => {
      const m = /^(\S*)\s*([\s\S]*)$/.exec(args.trim());
      const sub = (m?.[1] ?? '').toLowerCase();
      if (!sub) return void (await reply.card(goalsCard(await service.goals(space(turn)))));
      if (sub !== 'add') return void (await reply.text(s.goalUnknownSub));
      const goal = await service.addGoal(space(turn), turn, m?.[2] ?? '');
      const baseline = formatAmount(goal.baseline, 'count', goal.per);
      const target = goal.targetPercent !== undefined ? s.goalTarget(baseline, formatAmount((goal.baseline * goal.targetPercent) / 100, 'count', goal.per)) : s.goalNoTarget(baseline);
      await reply.text(s.goalAdded(goal.title, target));
    };

    const value = async (turn: Turn, args: string, reply: Reply): Promise<void> => {
      const period = args.trim() ? parsePeriodName(args) : 'quarter';
      if (!period) return void (await reply.text(s.badPeriod(args.trim().slice(0, 30))));
      await reply.card(valueCard(await service.value(space(turn), period, lookup)));
    };

    door.command({
      name: 'goals',
      aliases: ['goal'],
      usage: s.goalsUsage,
      summary: s.goalsSummary,
      group: s.group,
      scopes: ['channel', 'groupChat'],
      handle: goals,
    });

    door.command({
      name: 'value',
      usage: s.valueUsage,
      summary: s.valueSummary,
      group: s.group,
      scopes: ['channel', 'groupChat'],
      handle: value,
    });

    /** A download link for the person: the bot's public address and the signed token. */
    const linkTo = (token: string): string => `${host.config.links.publicUrl ?? ''}/download/${token}`;

    door.command({
      name: 'export',
      usage: s.exportUsage,
      summary: s.exportSummary,
      group: s.group,
      scopes: ['channel', 'groupChat'],
      /**
       * The link is a key to the team's data that works once: posted in the channel, whoever
       * clicks first gets the file. So it goes to the requester's personal chat with the bot,
       * where only they see it; the channel is told where it went. (A per-person card view via
       * Action.Execute would also be private, but a typed command has no card to refresh, and
       * Teams shows per-person views only to rosters of up to 60.) No personal chat (the app is
       * not installed for them, or blocked): no link is made, and they are told how to fix it.
       */
      handle: async (turn, args, reply) => {
        const where = { ...space(turn), conversationId: turn.conversationId };
        const what = await service.checkExport(where, turn, args);
        let chat: ConversationRef;
        try {
          chat = await host.poster.openPersonalChat(turn.reference, turn.userId);
        } catch (err) {
          reply.log.info('insights.export_chat_unavailable', errorFields(err));
          return void (await reply.text(s.exportNoPersonalChat));
        }
        const token = await service.exportLink(where, turn, what);
        try {
          await host.poster.post(chat, { text: s.exportReady(what, linkTo(token)) });
        } catch (err) {
          reply.log.warn('insights.export_not_sent', errorFields(err));
          await service.revokeLink(token);
          return void (await reply.text(s.exportNotDelivered));
        }
        await reply.text(s.exportSentPrivately(what));
      },
    });

    // GET /download/<token>: export and my-data files behind signed, single-use links.
    const downloads = createDownloads({ store: host.store, config: host.config, clock: host.clock, log: host.log, personalData: personalDataOf(host.store, host.clock) });
    host.web.push({
      path: '/download/:token',
      async handle(params) {
        const answer = await downloads.serve(params.token ?? '');
        if (answer.status !== 200) return { status: answer.status, contentType: 'application/json', body: JSON.stringify({ error: answer.message }) };
        const d = answer.download;
        return { status: 200, contentType: d.contentType, body: d.body, headers: { 'content-disposition': `attachment; filename="${d.filename}"`, 'x-content-type-options': 'nosniff' } };
      },
    });

    door.job(retentionJob(host.store, host.clock, host.config.retention.months, host.log));

    // ---- a person's own data (personal chat) ----
    // Forget me walks the whole store: stepped work (src/jobs/steps.ts), never inside a turn.
    const claims = new RunClaims(host.store.table(JOB_RUNS_TABLE), `insights-${randomUUID()}`);
    const forgetting = new SteppedJobs<ForgetState>(
      host.store.table(STEPPED_JOBS_TABLE),
      forgetWork({ store: host.store, clock: host.clock, claims, settled: () => service.settled(),
        post: (chat, m) => host.poster.post(chat, m), done: s.forgetDone }),
      `insights-${randomUUID()}`,
      () => host.clock.now().getTime(),
    );
    forgetJobs.set(host, forgetting);
    const driving = new Set<Promise<void>>();
    /** Runs a forget request to its end in this process, a few steps at a time, until the app stops (then another pass resumes it). */
    const drive = (job: JobRef): void => {
      const p = (async () => {
        try {
          while (!host.stopping()) if ((await forgetting.run(job, 10)) !== 'more') return;
        } catch (err) {
          host.log.warn('privacy.forget_step_failed', errorFields(err));
        }
      })();
      driving.add(p);
      void p.finally(() => driving.delete(p));
    };
    // Work whose process died is taken over once its lease runs out.
    door.job({ name: FORGET_KIND, run: async () => void (await forgetting.resume()) });

    door.command({
      name: 'my',
      usage: s.myDataUsage,
      summary: s.myDataSummary,
      group: s.group,
      handle: async (turn, args, reply) => {
        const m = /^data\b\s*(json|csv)?\s*$/i.exec(args.trim());
        if (!m) return void (await reply.text(s.myDataUnknown));
        const format = (m[1] ?? 'json').toLowerCase() === 'csv' ? 'csv' : 'json';
        // Outside the personal chat (which Teams never opens for a shared channel's external members) the link goes only to whoever presses.
        if (turn.conversationType !== 'personal') return void (await reply.card(myDataCard(format)));
        await reply.text(s.myDataReady(format, linkTo(await service.requestMyData(turn.tenantId, turn.userId, format))));
      },
    });
    door.cardAction({
      verb: MY_DATA_VERB,
      schema: z.object({ format: z.enum(['json', 'csv']) }),
      // The answer (a message only the presser sees) names the presser's own data: nothing is shared, nothing changes on the card.
      async handle(turn, data) {
        return { text: s.myDataReady(data.format, linkTo(await service.requestMyData(turn.tenantId, turn.userId, data.format))) };
      },
    });
    door.command({
      name: 'forget',
      usage: s.forgetUsage,
      summary: s.forgetSummary,
      group: s.group,
      handle: async (turn, args, reply) => {
        if (args.trim().toLowerCase() !== 'me') return void (await reply.text(s.forgetUnknown));
        // Outside the personal chat (none for a shared channel's external members) the buttons answer only whoever presses.
        await reply.card(turn.conversationType === 'personal' ? forgetConfirmCard() : forgetHereCard());
      },
    });
    door.cardAction({
      verb: FORGET_HERE_VERB,
      schema: z.object({ choice: z.enum(['delete', 'anonymise']) }),
      // The answer is a message only the presser sees; the card names no one and does not change.
      async handle(turn, data, reply) {
        const person = { tenantId: turn.tenantId, userId: turn.userId, otherIds: [], userName: turn.userName };
        if ((await forgetting.inProgress(turn.tenantId)).some((st) => st.person.userId === turn.userId)) return { text: s.forgetUnderWayHere };
        const job = { tenantId: turn.tenantId, id: randomBytes(8).toString('hex') };
        // No chat to tell them in when it is done: pressing again says whether it still runs.
        await forgetting.start(job, newForgetState(job.id, person, data.choice, undefined));
        reply.log.info('privacy.forget_started', { choice: data.choice, where: 'channel' });
        drive(job);
        return { text: s.forgetStartedHere(data.choice) };
      },
    });
    door.cardSubmit({
      verb: FORGET_VERB,
      // A choice the bot never offered is a plain "say forget me" (the schema accepts any string, the handler refuses).
      schema: z.object({ verb: z.literal(FORGET_VERB), choice: z.string().max(40) }),
      async handle(turn, data, reply) {
        const choice = data.choice === 'delete' || data.choice === 'anonymise' ? data.choice : undefined;
        if (!choice) return void (await reply.text(s.forgetUnknown));
        if (turn.conversationType !== 'personal') return void (await reply.text(s.forgetOnlyPersonal));
        // Who pressed is who is forgotten: the card's data names no one.
        const person = { tenantId: turn.tenantId, userId: turn.userId, otherIds: [], userName: turn.userName };
        if ((await forgetting.inProgress(turn.tenantId)).some((st) => st.person.userId === turn.userId)) return void (await reply.text(s.forgetUnderWay));
        const job = { tenantId: turn.tenantId, id: randomBytes(8).toString('hex') };
        await forgetting.start(job, newForgetState(job.id, person, choice, turn.reference));
        reply.log.info('privacy.forget_started', { choice });
        await reply.text(s.forgetStarted(choice));
        drive(job);
      },
    });

    door.command({
      name: 'stats',
      aliases: ['health'],
      usage: s.statsUsage,
      summary: s.statsSummary,
      group: s.group,
      scopes: ['channel', 'groupChat'],
      handle: stats,
    });
    return { stop: async () => void (await Promise.all([...driving])) };
  },
};
