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
import type { Clock } from '../../clock';
import type { Store } from '../../store/tables';
import type { Contribution } from '../../teams/events';
import { applyContribution, healthView, type HealthView } from './health';
import { dayOf, periodOf, type PeriodName } from './period';
import { InsightsRepo, INSIGHT_DAYS_TABLE, INSIGHT_MEMBERS_TABLE, personTag } from './repo';

export interface Space {
  tenantId: string;
  spaceId: string;
}

export class InsightsService {
  readonly repo: InsightsRepo;

  constructor(
    store: Store,
    private readonly clock: Clock,
  ) {
    this.repo = new InsightsRepo(store.table(INSIGHT_DAYS_TABLE), store.table(INSIGHT_MEMBERS_TABLE));
  }

  /** Counts one contribution in its space's day. */
  async record(c: Contribution): Promise<void> {
    const where = { tenantId: c.tenantId, spaceId: c.spaceId };
    const tag = personTag(c.tenantId, c.userId);
    const day = dayOf(c.at);
    const first = await this.repo.firstTime(where, tag, day);
    await this.repo.change(where, day, (d) => applyContribution(d, c, tag, first));
  }

  async health(where: Space, period: PeriodName): Promise<HealthView> {
    const p = periodOf(period, this.clock.now());
    // Adjacent periods are one key range; a quarter against the start of the last one is two.
    const days =
      p.previous.to === p.current.from
        ? await this.repo.daysBetween(where, p.previous.from, p.current.to)
        : (await Promise.all([this.repo.daysBetween(where, p.previous.from, p.previous.to), this.repo.daysBetween(where, p.current.from, p.current.to)])).flat();
    return healthView(p, days, days.length);
  }
}
