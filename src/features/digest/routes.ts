import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { UserError, isUserError } from '../../errors';
import { RunClaims, JOB_RUNS_TABLE } from '../../jobs/claims';
import { openQueue } from '../../jobs/queue';
import { SendLimiter, teamsPolicy } from '../../jobs/limiter';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Feature, FeatureHost } from '../feature';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../organizers/repo';
import { referenceOf, turnOf, type Turn } from '../../teams/turn';
import { tell } from '../../teams/replies';
import { turnLogger } from '../../teams/middleware';
import { settingsCard, SETTINGS_VERB } from './cards';
import { DigestDelivery, DIGEST_NOW_JOB, digestActivity } from './delivery';
import { DigestRepo, DIGEST_TABLES, type Subscription } from './repo';
import { DEFAULT_SLOT } from './schedule';
import { createPoster } from './sender';
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
    poster: createPoster(host.app.adapter, config.bot.appId ?? '', log),
    limiter: new SendLimiter(teamsPolicy(config.digest.tenantSendsPerSecond, config.digest.senderInstances)),
    log: log.child({ feature: 'digest' }),
    settings: { leaseSeconds: config.digest.jobLeaseSeconds, concurrency: config.digest.sendConcurrency, retryBaseMs: config.digest.retryBaseMs },
    now: () => clock.now(),
    voteAction: sources.voteAction,
  });
  return { repo, service, delivery, sources };
}

export const digestFeature: Feature = {
  name: 'digest',
  tables: [DIGEST_TABLES.subscriptions, DIGEST_TABLES.slots, DIGEST_TABLES.featured, ...SOURCE_TABLES],
  register(host) {
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

    const subcommands: Record<string, (context: TurnContext, turn: Turn, rest: string) => Promise<void>> = {
      async on(context, turn, rest) {
        const { subscription, wasActive } = await service.subscribe(
          subscriberOf(turn, context),
          rest,
          turn.timeZone,
          host.clock.now(),
        );
        const when = service.describe(subscription);
        await tell(context, wasActive ? s.resubscribed(when) : s.subscribed(when));
      },
      async status(context, turn) {
        const sub = await repo.get(turn.tenantId, turn.conversationId);
        await tell(context, sub?.active ? s.status(service.describe(sub)) : s.notSubscribed);
      },
      async off(context, turn) {
        const stopped = await service.unsubscribe(turn.tenantId, turn.conversationId, 'unsubscribed', host.clock.now());
        await tell(context, stopped ? s.unsubscribed : s.notSubscribed);
      },
      async settings(context, turn) {
        const sub = await service.activeSubscription(turn.tenantId, turn.conversationId);
        await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(settingsCard(turn, sub))));
      },
      async preview(context, turn) {
        const now = host.clock.now();
        const sub = (await repo.get(turn.tenantId, turn.conversationId)) ?? previewSubscription(turn, context, now);
        const curated = await service.curateWeek(sub.active ? sub : { ...sub, timeZone: turn.timeZone }, now);
        await context.sendActivity(digestActivity(curated, true, sources.voteAction));
      },
      async now(context, turn) {
        if (!(await maySendNow(turn))) throw new UserError(s.organizersOnly);
        const sub = await service.activeSubscription(turn.tenantId, turn.conversationId);
        const now = host.clock.now();
        // Recorded like a weekly run, under its own key (the week's scheduled digest still comes,
        // without the stories this one featured).
        const run = { tenantId: sub.tenantId, job: DIGEST_NOW_JOB, scope: sub.conversationId, runKey: now.toISOString().slice(0, 16) };
        if (!(await delivery.claimNow(run, now))) return tell(context, s.alreadySending);
        const curated = await service.curateWeek(sub, now);
        const outcome = await delivery.post(sub, curated, false);
        const result = await delivery.record(sub, run, curated, outcome);
        if (result === 'sent') return tell(context, s.sentNow);
        if (outcome.kind === 'gone') return tell(context, s.cannotPost(outcome.reason));
        await tell(context, s.sendFailed);
      },
    };

    host.commands.add({
      name: 'digest',
      usage: s.usage,
      summary: s.summary,
      group: s.group,
      async handle(context, turn, args) {
        const [first = 'status', ...rest] = args.trim().split(/\s+/).filter((w) => w.length > 0);
        const name = first.toLowerCase();
        const handler = Object.prototype.hasOwnProperty.call(subcommands, name) ? subcommands[name] : undefined;
        if (!handler) return tell(context, s.unknownSubcommand(first.slice(0, 30)));
        if (turn.conversationType === 'personal') return tell(context, s.personalScope);
        await handler(context, turn, rest.join(' '));
      },
    });

    host.app.adaptiveCards.actionExecute(SETTINGS_VERB, async (context, _state, raw) => {
      const turn = turnOf(context);
      const parsed = settingsSubmit.safeParse(raw);
      if (!parsed.success) return s.settingsInvalid;
      const data = parsed.data;
      // The card names the conversation it belongs to; a submit from anywhere else is refused.
      if (data.tenantId !== turn.tenantId || data.conversationId !== turn.conversationId) {
        turnLogger(context, host.log).warn('digest.settings_foreign');
        return s.settingsNotMember;
      }
      try {
        const sub = await service.changeSettings(turn.tenantId, turn.conversationId, data, host.clock.now());
        return s.settingsSaved(service.describe(sub), sub.themes.join(', '));
      } catch (err) {
        if (isUserError(err)) return err.message;
        throw err;
      }
    });

    host.events.on('conversationRemoved', async ({ tenantId, conversationIds, reason }) => {
      const now = host.clock.now();
      for (const id of conversationIds) await repo.deactivate(tenantId, id, reason, now);
    });

    host.jobs.add({
      name: 'digest',
      async run() {
        await delivery.runPass();
      },
    });
  },
};

/** `digest preview` before subscribing: what Monday 09:00 in the person's time zone would bring. */
function previewSubscription(turn: Turn, context: TurnContext, now: Date): Subscription {
  return {
    ...subscriberOf(turn, context),
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
function subscriberOf(
  turn: Turn,
  context: TurnContext,
): Pick<Subscription, 'tenantId' | 'conversationId' | 'conversationType' | 'spaceId' | 'teamId' | 'reference' | 'subscribedBy'> {
  return {
    tenantId: turn.tenantId,
    conversationId: turn.conversationId,
    conversationType: turn.conversationType,
    spaceId: turn.spaceId,
    teamId: turn.teamId,
    reference: referenceOf(context),
    subscribedBy: turn.userId,
  };
}
