import type { TableClient } from '@azure/data-tables';
import { key, timeKey } from '../../store/keys';
import { insertIfAbsent, listPartition } from '../../store/tables';
import type { Goal, NewGoal } from './goals';
import type { Per, StoryValue } from './value';

/**
 * Goals, and the index of stories that state a value.
 *
 * Table `insightgoals`. PartitionKey: tenant|space. RowKey: time added (ascending) | random.
 * Table `insightvalues`. PartitionKey: tenant|space. RowKey: the story id, which sorts newest
 * first, so the valued stories of a period are one row-key range. The row holds the value, the
 * story's customer and its teller's tag, never the story's text (read from stories when shown).
 */
export const INSIGHT_GOALS_TABLE = 'insightgoals';
export const INSIGHT_VALUES_TABLE = 'insightvalues';

export interface ValuedStory extends StoryValue {
  storyId: string;
  at: Date;
  customer?: string;
  tellerTag: string;
}

interface ValueRow {
  storyId: string;
  kind: string;
  amount: number;
  unit: string;
  per?: string;
  basis: string;
  text: string;
  at: number;
  customer?: string;
  tellerTag: string;
}

interface GoalRow {
  title: string;
  baseline: number;
  per?: string;
  targetPercent?: number;
  direction: string;
  measure: string;
  addedBy: string;
  addedAt: number;
}

/** Story ids are `<13 digits of (max - ms)>-<hex>`: the key range for stories created in [from, to). */
const MAX_TIME = 9_999_999_999_999;
const invertedTime = (at: Date): string => (MAX_TIME - at.getTime()).toString().padStart(13, '0');

export class ValueRepo {
  constructor(
    private readonly goals: TableClient,
    private readonly values: TableClient,
  ) {}

  async addValue(where: { tenantId: string; spaceId: string }, v: ValuedStory): Promise<void> {
    await insertIfAbsent<ValueRow>(this.values, {
      partitionKey: key(where.tenantId, where.spaceId),
      rowKey: v.storyId,
      storyId: v.storyId,
      kind: v.kind,
      amount: v.amount,
      unit: v.unit,
      ...(v.per ? { per: v.per } : {}),
      basis: v.basis,
      text: v.text,
      at: v.at.getTime(),
      ...(v.customer ? { customer: v.customer } : {}),
      tellerTag: v.tellerTag,
    });
  }

  /** Valued stories created in [from, to): a row-key range. */
  async valuesBetween(where: { tenantId: string; spaceId: string }, from: Date, to: Date): Promise<ValuedStory[]> {
    const rows = await listPartition<ValueRow>(this.values, key(where.tenantId, where.spaceId), { from: invertedTime(new Date(to.getTime() - 1)), to: `${invertedTime(from)}~` });
    return rows.map((r) => ({
      storyId: r.storyId,
      kind: r.kind,
      amount: r.amount,
      unit: r.unit,
      ...(r.per ? { per: r.per as Per } : {}),
      basis: r.basis === 'measured' ? 'measured' : 'estimated',
      text: r.text,
      at: new Date(r.at),
      ...(r.customer ? { customer: r.customer } : {}),
      tellerTag: r.tellerTag,
    }));
  }

  async addGoal(where: { tenantId: string; spaceId: string }, goal: NewGoal, addedBy: string, at: Date, suffix: string): Promise<Goal> {
    const goalId = timeKey(at, suffix);
    await insertIfAbsent<GoalRow>(this.goals, {
      partitionKey: key(where.tenantId, where.spaceId),
      rowKey: goalId,
      title: goal.title,
      baseline: goal.baseline,
      ...(goal.per ? { per: goal.per } : {}),
      ...(goal.targetPercent !== undefined ? { targetPercent: goal.targetPercent } : {}),
      direction: goal.direction,
      measure: goal.measure.join(' '),
      addedBy,
      addedAt: at.getTime(),
    });
    return { ...goal, goalId, addedBy, addedAt: at };
  }

  async listGoals(where: { tenantId: string; spaceId: string }): Promise<Goal[]> {
    const rows = await listPartition<GoalRow>(this.goals, key(where.tenantId, where.spaceId));
    return rows.map((r) => ({
      goalId: r.rowKey ?? '',
      title: r.title,
      baseline: r.baseline,
      ...(r.per ? { per: r.per as Per } : {}),
      ...(r.targetPercent !== undefined && r.targetPercent !== null ? { targetPercent: r.targetPercent } : {}),
      direction: r.direction === 'down' ? 'down' : 'up',
      measure: r.measure.split(' ').filter(Boolean),
      addedBy: r.addedBy,
      addedAt: new Date(r.addedAt),
    }));
  }
}
