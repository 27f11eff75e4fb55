import { DateTime } from 'luxon';
import { UserError } from '../../errors';
import type { DigestContent } from './cards';
import { compareFigures, isQuietWeek, pickResurfaced, pickStories, type WeekFigures } from './curate';
import type { DigestRepo, Subscription, SubscriptionInput } from './repo';
import { describeSlot, normaliseTimeZone, parseDay, parseSlot, parseTime, previousRunKey, type WeeklySlot } from './schedule';
import type { DigestSources } from './sources';
import { digestStrings as s } from './strings';

/**
 * The digest's use cases: subscribing a conversation, changing its settings, and curating a
 * week into a DigestContent. Plain values in and out; no Teams types.
 */
const WEEK_MS = 7 * 24 * 3600_000;
export const MAX_THEMES = 10;
const RESURFACE_CANDIDATES = 10;
const OPEN_QUESTIONS = 5;

export interface Curated {
  content: DigestContent;
  figures: WeekFigures;
  storyIds: string[];
  resurfacedId?: string;
}

/**
 * Reads of a team's (space's) week shared by the channels of that team within one scheduler
 * pass: 50 channels of one team with the same slot read its stories once, not 50 times.
 * Only space-level reads; a channel's own (agenda, featured) are never shared.
 */
export type SharedReads = Map<string, Promise<unknown>>;

function memo<T>(shared: SharedReads | undefined, key: string, load: () => Promise<T>): Promise<T> {
  if (!shared) return load();
  const hit = shared.get(key) as Promise<T> | undefined;
  if (hit) return hit;
  const p = load();
  shared.set(key, p);
  p.catch(() => shared.delete(key));
  return p;
}

export class DigestService {
  constructor(
    private readonly repo: DigestRepo,
    private readonly sources: DigestSources,
  ) {}

  /** `digest on [day] [time] [zone]`: subscribes (or moves the slot of) this conversation. */
  async subscribe(where: Omit<SubscriptionInput, keyof WeeklySlot>, args: string, fallbackTimeZone: string, now: Date): Promise<{ subscription: Subscription; wasActive: boolean }> {
    const parsed = parseSlot(args, fallbackTimeZone);
    if ('problem' in parsed) {
      const p = parsed.problem;
      const word = p.value.slice(0, 40);
      throw new UserError(p.kind === 'day' ? s.badDay(word) : p.kind === 'time' ? s.badTime(word) : p.kind === 'timeZone' ? s.badTimeZone(word) : s.extraWords(word));
    }
    const before = await this.repo.get(where.tenantId, where.conversationId);
    const subscription = await this.repo.subscribe({ ...where, ...parsed.slot }, now);
    return { subscription, wasActive: before?.active === true };
  }

  async unsubscribe(tenantId: string, conversationId: string, reason: string, now: Date): Promise<boolean> {
    return this.repo.deactivate(tenantId, conversationId, reason, now);
  }

  async activeSubscription(tenantId: string, conversationId: string): Promise<Subscription> {
    const sub = await this.repo.get(tenantId, conversationId);
    if (!sub?.active) throw new UserError(s.notSubscribed);
    return sub;
  }

  /** The settings card's submit: every field validated, nothing written unless all are good. */
  async changeSettings(tenantId: string, conversationId: string, input: { day: string; time: string; timeZone: string; themes: string }, now: Date): Promise<Subscription> {
    const day = parseDay(input.day.trim());
    if (day === undefined) throw new UserError(s.badDay(input.day.slice(0, 40)));
    const time = parseTime(input.time);
    if (!time) throw new UserError(s.badTime(input.time.slice(0, 40)));
    const timeZone = normaliseTimeZone(input.timeZone.trim());
    if (!timeZone) throw new UserError(s.badTimeZone(input.timeZone.slice(0, 40)));
    const themes = [...new Set(input.themes.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0 && t.length <= 60))];
    if (themes.length > MAX_THEMES) throw new UserError(s.themesTooMany);
    const sub = await this.repo.changeSettings(tenantId, conversationId, { day, hour: time.hour, minute: time.minute, timeZone, themes }, now);
    if (!sub) throw new UserError(s.notSubscribed);
    return sub;
  }

  describe(sub: WeeklySlot): string {
    return describeSlot(sub);
  }

  /**
   * Curates the week [to - 7 days, to) of one subscription. `runKey` names the week (for the
   * figures of the week before); reads are range queries over the week, so the cost does not
   * grow with the channel's history.
   */
  async curateWeek(sub: Subscription, to: Date, shared?: SharedReads): Promise<Curated> {
    const from = new Date(to.getTime() - WEEK_MS);
    const prevFrom = new Date(from.getTime() - WEEK_MS);
    const { tenantId, conversationId, spaceId } = sub;
    const lastWeek = previousRunKey(DateTime.fromJSDate(to, { zone: sub.timeZone }));
    const known = sub.lastFigures?.runKey === lastWeek ? sub.lastFigures : undefined;
    const [stories, nextCall, recaps, lastCall, activity, people, openQuestions, networkRecaps, previous] = await Promise.all([
      memo(shared, `stories|${tenantId}|${spaceId}|${from.getTime()}|${to.getTime()}`, () => this.sources.storiesBetween(tenantId, spaceId, from, to)),
      this.sources.nextCall(tenantId, conversationId, to),
      this.sources.recapsBetween(tenantId, conversationId, from, to),
      this.sources.lastCall?.(tenantId, conversationId, to),
      this.sources.activityBetween(tenantId, conversationId, from, to),
      memo(shared, `people|${tenantId}|${spaceId}|${from.getTime()}|${to.getTime()}`, () => this.sources.contributors(tenantId, spaceId, from, to)),
      memo(shared, `questions|${tenantId}|${spaceId}|${to.getTime()}`, () => this.sources.openQuestions?.(tenantId, spaceId, to, OPEN_QUESTIONS) ?? Promise.resolve([])),
      memo(shared, `networkrecaps|${tenantId}|${spaceId}|${from.getTime()}|${to.getTime()}`, () => this.sources.networkRecapsBetween?.(tenantId, spaceId, from, to) ?? Promise.resolve([])),
      // The week before: what last week's digest recorded, else counted again (contributors of a
      // past week cannot be recounted: only each person's first and latest contribution is kept).
      known
        ? Promise.resolve<Partial<WeekFigures>>(known)
        : Promise.all([
            memo(shared, `stories|${tenantId}|${spaceId}|${prevFrom.getTime()}|${from.getTime()}`, () => this.sources.storiesBetween(tenantId, spaceId, prevFrom, from)),
            this.sources.activityBetween(tenantId, conversationId, prevFrom, from)]).then(
            ([st, act]): Partial<WeekFigures> => ({ stories: st.length, topics: act.topics, votes: act.votes }),
          ),
    ]);
    const featured = stories.length ? await this.repo.featuredIds(tenantId, conversationId) : new Set<string>();
    const newVoices = people.newVoices;
    const figures: WeekFigures = { stories: stories.length, topics: activity.topics, votes: activity.votes, contributors: people.active };
    const quiet = isQuietWeek({ stories: stories.length, topics: activity.topics, votes: activity.votes, recaps: recaps.length });
    const picked = quiet ? [] : pickStories(stories, { at: to, alreadyFeatured: featured, themeFilter: sub.themes });
    const resurfaced = quiet
      ? pickResurfaced(await memo(shared, `endorsed|${tenantId}|${spaceId}`, () => this.sources.mostEndorsed(tenantId, spaceId, RESURFACE_CANDIDATES)), { weekStart: from, lastResurfacedId: sub.lastResurfacedId, themeFilter: sub.themes })
      : undefined;
    const content: DigestContent = {
      quiet,
      from,
      to,
      timeZone: sub.timeZone,
      stories: picked,
      resurfaced,
      nextCall,
      recap: recaps[recaps.length - 1],
      ...(lastCall ? { lastCall } : {}),
      newVoices,
      openQuestions,
      ...(networkRecaps.length ? { networkRecaps } : {}),
      figures: compareFigures(figures, previous),
    };
    return { content, figures, storyIds: picked.map((p) => p.storyId), resurfacedId: resurfaced?.storyId };
  }
}
