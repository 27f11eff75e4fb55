/**
 * Insights: the network's health (and, further down, its value), in plain values.
 *
 * Counters are kept as things happen: every `contributed` event (src/teams/events.ts) changes
 * one day row of its space; `stats` reads the days of the period and the period before, one
 * key range, so its cost does not grow with the history.
 *
 * Hook for questions (connect): emit `contributed` with kind 'question' (themes) and 'answer'
 * (with `firstAnswerTo.askedAt` on a question's first answer); the stats card shows questions,
 * answers, their themes and the median time to first answer as soon as such events arrive.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Store } from '../../store/tables';
import { WriteBehind, WRITE_BEHIND_MAX } from '../../store/writes';
import type { BotEventMap, Contribution } from '../../teams/events';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../people/organizers';
import { MAX_GOALS, parseGoal, progressOf, type Goal, type GoalProgress } from './goals';
import { applyContribution, applyWithdrawal, healthView, type Change, type HealthView } from './health';
import { dayOf, periodOf, type Period, type PeriodName } from './period';
import { InsightsRepo, INSIGHT_DAYS_TABLE, INSIGHT_MEMBERS_TABLE, personTag } from './repo';
import { insightStrings as s } from './strings';
import type { Per } from './value';
import { ValueRepo, INSIGHT_GOALS_TABLE, INSIGHT_VALUES_TABLE, type ValuedStory } from './valueRepo';
import { DownloadLinks, DOWNLOAD_LINKS_TABLE, exportKinds, type ExportKind } from './links';

export interface Space {
  tenantId: string;
  spaceId: string;
}

/** What the value card needs of a story: read from the stories room through this port. */
export interface StoryLookup {
  (where: Space, storyId: string): Promise<{ text: string; tellerName: string; customer?: string; sourceLink?: string } | undefined>;
}

export interface ValueTotal extends Change {
  kind: string;
  unit: string;
  per?: Per;
}

export interface BiggestStory {
  value: ValuedStory;
  story?: { text: string; tellerName: string; customer?: string; sourceLink?: string };
}

export interface ValueView {
  period: Period;
  totals: ValueTotal[];
  stories: number;
  measured: number;
  goals: GoalProgress[];
  biggest: BiggestStory[];
}

export class InsightsService {
  readonly repo: InsightsRepo;
  readonly values: ValueRepo;
  private readonly organizers: OrganizersRepo;
  private readonly links: DownloadLinks;

  constructor(
    store: Store,
    private readonly clock: Clock,
    linkKey = '',
  ) {
    this.links = new DownloadLinks(store.table(DOWNLOAD_LINKS_TABLE), linkKey);
    this.repo = new InsightsRepo(store.table(INSIGHT_DAYS_TABLE), store.table(INSIGHT_MEMBERS_TABLE));
    this.values = new ValueRepo(store.table(INSIGHT_GOALS_TABLE), store.table(INSIGHT_VALUES_TABLE));
    this.organizers = new OrganizersRepo(store.table(ORGANIZERS_TABLE));
  }

  /** Counts written beside the replies: a bounded backlog (a turn waits for room rather than memory growing). */
  private readonly pending = new WriteBehind(WRITE_BEHIND_MAX);

  /**
   * Counts a contribution without holding up the turn that made it (awaiting it would add a
   * read and a write of the day row to every story and vote turn). Reads of this
   * process's counters (`stats`, `value`, forget me) wait for `settled()` first, so they always
   * see what this process counted; a crash can lose the few writes in flight.
   */
  recordLater(c: Contribution, onError: (err: unknown) => void): Promise<void> {
    return this.pending.add(() => this.record(c).catch(onError));
  }

  /** Takes a contribution back (a deleted topic), beside the turn like counting it. */
  withdrawLater(w: BotEventMap['contributionWithdrawn'], onError: (err: unknown) => void): Promise<void> {
    return this.pending.add(() => this.repo.change({ tenantId: w.tenantId, spaceId: w.spaceId }, dayOf(w.at), (d) => applyWithdrawal(d, w.kind)).catch(onError));
  }

  /** Every count this process has started is written. */
  async settled(): Promise<void> {
    await this.pending.settled();
  }

  /** Counts one contribution in its space's day. */
  async record(c: Contribution): Promise<void> {
    const where = { tenantId: c.tenantId, spaceId: c.spaceId };
    const tag = personTag(c.tenantId, c.personId);
    const day = dayOf(c.at);
    const first = await this.repo.firstTime(where, tag, day);
    await Promise.all([
      this.repo.change(where, day, (d) => applyContribution(d, c, tag, first)),
      c.kind === 'story' && c.value && c.story
        ? this.values.addValue(where, { ...c.value, per: c.value.per as Per | undefined, storyId: c.story.storyId, at: c.at, tellerTag: tag, ...(c.customer ? { customer: c.customer } : {}) })
        : undefined,
    ]);
  }

  async health(where: Space, period: PeriodName): Promise<HealthView> {
    await this.settled();
    const p = periodOf(period, this.clock.now());
    // Adjacent periods are one key range; a quarter against the start of the last one is two.
    const days =
      p.previous.to === p.current.from
        ? await this.repo.daysBetween(where, p.previous.from, p.current.to)
        : (await Promise.all([this.repo.daysBetween(where, p.previous.from, p.previous.to), this.repo.daysBetween(where, p.current.from, p.current.to)])).flat();
    return healthView(p, days, days.length);
  }

  // ---- value and goals --------------------------------------------------------------------

  /** `goals add "..." baseline N/month`: organizers only; the text is checked before anything is written. */
  async addGoal(where: Space, who: { userId: string }, args: string): Promise<Goal> {
    const goal = parseGoal(args);
    if (!(await this.organizers.isOrganizer(where, who.userId))) throw new UserError(s.goalsOnlyOrganizers);
    if ((await this.values.listGoals(where)).length >= MAX_GOALS) throw new UserError(s.goalsFull(MAX_GOALS));
    return this.values.addGoal(where, goal, personTag(where.tenantId, who.userId), this.clock.now(), randomBytes(4).toString('hex'));
  }

  async goals(where: Space): Promise<Goal[]> {
    return this.values.listGoals(where);
  }

  /**
   * The value card: totals by kind with the change from the period before (day rows), progress
   * per goal and the biggest numbers (the period's valued stories: one key range).
   */
  async value(where: Space, period: PeriodName, lookup: StoryLookup): Promise<ValueView> {
    await this.settled();
    const p = periodOf(period, this.clock.now());
    const start = (day: string): Date => new Date(`${day}T00:00:00Z`);
    const [cur, prev, goals, valued] = await Promise.all([
      this.repo.daysBetween(where, p.current.from, p.current.to),
      this.repo.daysBetween(where, p.previous.from, p.previous.to),
      this.values.listGoals(where),
      this.values.valuesBetween(where, start(p.current.from), start(p.current.to)),
    ]);
    const sum = (days: typeof cur): Map<string, number> => {
      const out = new Map<string, number>();
      for (const d of days) for (const [k, v] of Object.entries(d.values)) out.set(k, (out.get(k) ?? 0) + v);
      return out;
    };
    const now = sum(cur);
    const before = sum(prev);
    const totals = [...now.entries()]
      .map(([k, n]) => {
        const [kind = '', unit = '', per = ''] = k.split('|');
        return { kind, unit, ...(per ? { per: per as Per } : {}), now: n, previous: before.get(k) ?? 0 };
      })
      .sort((a, b) => a.unit.localeCompare(b.unit) || Math.abs(b.now) - Math.abs(a.now));

    // The biggest story of each kind and unit, the kinds most stories speak of first; at most 5.
    const groups = new Map<string, ValuedStory[]>();
    for (const v of valued) groups.set(`${v.kind}|${v.unit}`, [...(groups.get(`${v.kind}|${v.unit}`) ?? []), v]);
    const top = [...groups.values()]
      .sort((a, b) => b.length - a.length)
      .slice(0, 5)
      .map((g) => g.reduce((m, v) => (Math.abs(v.amount) > Math.abs(m.amount) ? v : m)));
    const biggest = await Promise.all(top.map(async (value) => ({ value, story: await lookup(where, value.storyId) })));
    return {
      period: p,
      totals,
      stories: valued.length,
      measured: valued.filter((v) => v.basis === 'measured').length,
      goals: goals.map((g) => progressOf(g, valued)),
      biggest,
    };
  }

  // ---- downloads ---------------------------------------------------------------------------

  /** `export [kind]`: what may be exported, checked before anything is opened or written (organizers only). */
  async checkExport(where: Space, who: { userId: string }, raw: string): Promise<ExportKind> {
    const what = (raw.trim().toLowerCase() || 'stories') as ExportKind;
    if (!exportKinds.includes(what)) throw new UserError(s.exportUnknown(raw.trim().slice(0, 30)));
    if (!(await this.organizers.isOrganizer(where, who.userId))) throw new UserError(s.exportOnlyOrganizers);
    return what;
  }

  /** The token of a single-use link (15 minutes) to an export `checkExport` allowed. */
  async exportLink(where: Space & { conversationId: string }, who: { userId: string }, what: ExportKind): Promise<string> {
    return this.links.create({ kind: 'export', what, tenantId: where.tenantId, spaceId: where.spaceId, conversationId: where.conversationId, by: personTag(where.tenantId, who.userId) }, this.clock.now());
  }

  /** A link that could not be delivered is used up, so it can never be opened. */
  async revokeLink(token: string): Promise<void> {
    await this.links.revoke(token);
  }

  /** `my data`: a single-use link to everything stored about the person. */
  async requestMyData(tenantId: string, userId: string, raw: string): Promise<string> {
    const format = raw.trim().toLowerCase() === 'csv' ? 'csv' : 'json';
    return this.links.create({ kind: 'mydata', tenantId, userId, format }, this.clock.now());
  }
}
