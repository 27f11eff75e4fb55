import { z } from 'zod';
import { UserError, isUserError } from '../../errors';
import { RunClaims, JOB_RUNS_TABLE } from '../../jobs/claims';
import { openQueue } from '../../jobs/queue';
import { SendLimiter, teamsPolicy } from '../../jobs/limiter';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Feature, FeatureHost } from '../feature';
import type { Reply, Turn } from '../../teams/door';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../people/organizers';
import { settingsCard, SETTINGS_VERB } from './cards';
import { DigestDelivery, DIGEST_NOW_JOB, digestMessage } from './delivery';
import { DigestRepo, DIGEST_TABLES, type Subscription } from './repo';
import { DEFAULT_SLOT } from './schedule';
import { DigestService } from './service';
import { createDigestSources, SOURCE_TABLES, type DigestSources } from './sources';
import { digestStrings as s } from './strings';

/**
 * `@Coach digest on|off|settings|preview|now`, the settings card, the weekly job, and the
 * clean-up when the bot leaves a conversation.
 */
export interface DigestRuntime {
  repo: DigestRepo;
  service: DigestService;
  delivery: DigestDelivery;
  sources: DigestSources;
}

const runtimes = new WeakMap<FeatureHost, DigestRuntime>();

/** The digest pieces of a running bot (for `npm run digest`, tests and the bench). */
export function digestRuntimeOf(host: FeatureHost): DigestRuntime {
  const r = runtimes.get(host);
  if (!r) throw new Error('the digest feature is not registered on this bot');
  return r;
}

const settingsSubmit = z.object({
  tenantId: z.string().min(1).max(200),
  conversationId: z.string().min(1).max(1024),
  day: z.string().max(40).default(''),
  time: z.string().max(40).default(''),
  timeZone: z.string().max(80).default(''),
  themes: z.string().max(400).default(''),
});


function createRuntime(host: FeatureHost): DigestRuntime {
  const { store, config, log, clock } = host;
  const repo = new DigestRepo(store.table(DIGEST_TABLES.subscriptions), store.table(DIGEST_TABLES.slots), store.table(DIGEST_TABLES.featured));
  const sources = createDigestSources(store, clock);
  const service = new DigestService(repo, sources);
  const delivery = new DigestDelivery({
    repo,
    service,
    claims: new RunClaims(store.table(JOB_RUNS_TABLE), `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`),
    queue: openQueue(store.options, 'digest'),
    poster: host.poster,
    // Teams' tenant limit is shared by every instance alive: each takes its share (jobs/instances.ts).
    limiter: new SendLimiter(teamsPolicy(config.digest.tenantSendsPerSecond, () => host.instances.sharers())),
    log: log.child({ feature: 'digest' }),
    settings: {
      leaseSeconds: config.digest.jobLeaseSeconds,
      concurrency: config.digest.sendConcurrency,
      retryBaseMs: config.digest.retryBaseMs,
      sendsPerSecond: () => {
        const n = host.instances.sharers();
        // No share right now (joining): hold only a few jobs, it cannot send them yet.
        return n === undefined ? 0 : config.digest.tenantSendsPerSecond / Math.max(1, n);
      },
    },
    now: () => clock.now(),
    voteAction: sources.voteAction,
    stopping: () => host.stopping(),
  });
  return { repo, service, delivery, sources };
}

export const digestFeature: Feature = {
  name: 'digest',
  tables: [DIGEST_TABLES.subscriptions, DIGEST_TABLES.slots, DIGEST_TABLES.featured, ...SOURCE_TABLES],
  create(host) {
    const runtime = createRuntime(host);
    runtimes.set(host, runtime);
    const { repo, service, delivery, sources } = runtime;
    const organizers = new OrganizersRepo(host.store.table(ORGANIZERS_TABLE));

    const maySendNow = async (turn: Turn): Promise<boolean> => {
      const space = { tenantId: turn.tenantId, spaceId: turn.spaceId };
      if (await organizers.isOrganizer(space, turn.userId)) return true;
      // A space nobody organizes yet has nobody to ask: anyone may (the agenda names its first organizer).
      return (await organizers.list(space)).length === 0;
    };

    /** Moving, changing or stopping the digest: organizers, where the space has any. */
    const mayChange = maySendNow;

    const subcommands: Record<string, (reply: Reply, turn: Turn, rest: string) => Promise<void>> = {
      async on(reply, turn, rest) {
        if (!(await mayChange(turn))) throw new UserError(s.settingsOrganizersOnly);
        const { subscription, wasActive } = await service.subscribe(
          subscriberOf(turn),
          rest,
          turn.timeZone,
          host.clock.now(),
        );
        const when = service.describe(subscription);
        await reply.text(wasActive ? s.resubscribed(when) : s.subscribed(when));
      },
      async status(reply, turn) {
        const sub = await repo.get(turn.tenantId, turn.conversationId);
        await reply.text(sub?.active ? s.status(service.describe(sub)) : s.notSubscribed);
      },
      async off(reply, turn) {
        if (!(await mayChange(turn))) throw new UserError(s.settingsOrganizersOnly);
        const stopped = await service.unsubscribe(turn.tenantId, turn.conversationId, 'unsubscribed', host.clock.now());
        await reply.text(stopped ? s.unsubscribed : s.notSubscribed);
      },
      async settings(reply, turn) {
        const sub = await service.activeSubscription(turn.tenantId, turn.conversationId);
        await reply.card(settingsCard(turn, sub, { viewerTimeZone: turn.timeZone }));
      },
      async preview(reply, turn) {
        const now = host.clock.now();
        const sub = (await repo.get(turn.tenantId, turn.conversationId)) ?? previewSubscription(turn, now);
        const curated = await service.curateWeek(sub.active ? sub : { ...sub, timeZone: turn.timeZone }, now);
        const message = digestMessage(curated, true, sources.voteAction);
        if (message.card) await reply.card(message.card);
      },
      async now(reply, turn) {
        if (!(await maySendNow(turn))) throw new UserError(s.organizersOnly);
        const sub = await service.activeSubscription(turn.tenantId, turn.conversationId);
        const now = host.clock.now();
        // Recorded like a weekly run, under its own key (the week's scheduled digest still comes,
        // without the stories this one featured).
        const run = { tenantId: sub.tenantId, job: DIGEST_NOW_JOB, scope: sub.conversationId, runKey: now.toISOString().slice(0, 16) };
        if (!(await delivery.claimNow(run, now))) return void (await reply.text(s.alreadySending));
        const curated = await service.curateWeek(sub, now);
        const outcome = await delivery.post(sub, curated, false);
        const result = await delivery.record(sub, run, curated, outcome);
        if (result === 'sent') return void (await reply.text(s.sentNow));
        if (result === 'unknown') return void (await reply.text(s.sentUnconfirmed));
        if (outcome.kind === 'gone') return void (await reply.text(s.cannotPost(outcome.reason)));
        await reply.text(s.sendFailed);
      },
    };

    host.door.command({
      name: 'digest',
      usage: s.usage,
      summary: s.summary,
      group: s.group,
      async handle(turn, args, reply) {
        const [first = 'status', ...rest] = args.trim().split(/\s+/).filter((w) => w.length > 0);
        const name = first.toLowerCase();
        const handler = Object.prototype.hasOwnProperty.call(subcommands, name) ? subcommands[name] : undefined;
        if (!handler) return void (await reply.text(s.unknownSubcommand(first.slice(0, 30))));
        if (turn.conversationType === 'personal') return void (await reply.text(s.personalScope));
        await handler(reply, turn, rest.join(' '));
      },
    });

    // The card names the conversation it belongs to; a submit from anywhere else is refused.
    host.door.cardAction({
      verb: SETTINGS_VERB,
      schema: settingsSubmit,
      strings: { badData: s.settingsInvalid, elsewhere: s.settingsNotMember },
      belongsTo: (data) => data,
      async handle(turn, data) {
        // The card answered shows what is saved now, with what happened on top.
        const shown = async (tone: 'good' | 'attention', text: string) => {
          const sub = await repo.get(turn.tenantId, turn.conversationId);
          if (!sub?.active) return { text };
          return { card: settingsCard(turn, sub, { viewerTimeZone: turn.timeZone, notice: { text, tone } }) };
        };
        if (!(await mayChange(turn))) return shown('attention', s.settingsOrganizersOnly);
        try {
          const sub = await service.changeSettings(turn.tenantId, turn.conversationId, data, host.clock.now());
          return { card: settingsCard(turn, sub, { viewerTimeZone: turn.timeZone, notice: { text: s.settingsSaved(service.describe(sub), sub.themes.join(', ')), tone: 'good' } }) };
        } catch (err) {
          if (isUserError(err)) return shown('attention', err.message);
          throw err;
        }
      },
    });

    host.events.on('conversationRemoved', async ({ tenantId, conversationIds, reason }) => {
      const now = host.clock.now();
      for (const id of conversationIds) await repo.deactivate(tenantId, id, reason, now);
    });

    host.door.job({
      name: 'digest',
      async run() {
        await delivery.runPass();
      },
    });
    return { stop: async () => undefined, release: async () => void (await delivery.releaseHeld()) };
  },
};

/** `digest preview` before subscribing: what Monday 09:00 in the person's time zone would bring. */
function previewSubscription(turn: Turn, now: Date): Subscription {
  return {
    ...subscriberOf(turn),
    active: false,
    themes: [],
    since: now,
    version: 0,
    updatedAt: now,
    ...DEFAULT_SLOT,
    timeZone: turn.timeZone,
  };
}

/** Where a digest goes and who asked for it, from the turn. */
function subscriberOf(turn: Turn): Pick<Subscription, 'tenantId' | 'conversationId' | 'conversationType' | 'spaceId' | 'teamId' | 'reference' | 'subscribedBy'> {
  return {
    tenantId: turn.tenantId,
    conversationId: turn.conversationId,
    conversationType: turn.conversationType,
    spaceId: turn.spaceId,
    teamId: turn.teamId,
    reference: turn.reference,
    subscribedBy: turn.userId,
  };
}
