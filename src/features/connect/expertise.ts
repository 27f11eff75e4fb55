import type { ContributionKind, Expert, Person } from './model';

/**
 * Who knows a theme, inferred from what people did on it; nobody declares expertise.
 *
 * Each contribution adds its kind's weight to the person's score on each of its themes. Scores
 * fade by half every HALF_LIFE_DAYS, so recent work counts more: a story told this month
 * outweighs one told a year ago (3 x 2^-4 = 0.19). The score is kept already faded to the
 * time of its last change (`score` at `scoreAt`), so adding one contribution is one
 * read-modify-write of one row and ranking needs no history: `score * 2^-(now - scoreAt)/H`.
 * Counts and the latest time per kind are kept beside it for the reason shown to people.
 */
export const WEIGHTS: Readonly<Record<ContributionKind, number>> = { answer: 4, story: 3, topic: 1, note: 1 };
export const HALF_LIFE_DAYS = 90;
const HALF_LIFE_MS = HALF_LIFE_DAYS * 24 * 60 * 60 * 1000;
export const KINDS: readonly ContributionKind[] = ['story', 'answer', 'topic', 'note'];

/** One person's standing on one theme in one space (a row of the expertise table). */
export interface ExpertiseRow {
  personId: string;
  name: string;
  score: number;
  scoreAt: number;
  storyCount?: number;
  storyAt?: number;
  answerCount?: number;
  answerAt?: number;
  topicCount?: number;
  topicAt?: number;
  noteCount?: number;
  noteAt?: number;
}

const countField = (k: ContributionKind) => `${k}Count` as const;
const atField = (k: ContributionKind) => `${k}At` as const;

/** `score` measured at `from`, seen at `to` (later or earlier). */
export function faded(score: number, from: number, to: number): number {
  return score * Math.pow(2, -(to - from) / HALF_LIFE_MS);
}

/** The row after one more contribution. Contributions may arrive out of order: each is faded to the row's time. */
export function withContribution(row: ExpertiseRow | undefined, who: Person, kind: ContributionKind, at: Date): ExpertiseRow {
  const t = at.getTime();
  const base: ExpertiseRow = row ?? { personId: who.userId, name: who.userName, score: 0, scoreAt: t };
  const scoreAt = Math.max(base.scoreAt, t);
  const score = faded(base.score, base.scoreAt, scoreAt) + faded(WEIGHTS[kind], t, scoreAt);
  return {
    ...base,
    name: who.userName || base.name,
    score,
    scoreAt,
    [countField(kind)]: (base[countField(kind)] ?? 0) + 1,
    [atField(kind)]: Math.max(base[atField(kind)] ?? 0, t),
  };
}

/**
 * Everyone's score fades by the same factor over the same time, so the order of two people never
 * changes until one of them contributes again: `log2(score) + scoreAt / H` is the score's size
 * on a fixed clock. That is why a theme's top list, kept up to date as contributions happen,
 * stays correctly ordered without being rewritten as time passes.
 */
export function standing(row: Pick<ExpertiseRow, 'score' | 'scoreAt'>): number {
  return row.score > 0 ? Math.log2(row.score) + row.scoreAt / HALF_LIFE_MS : Number.NEGATIVE_INFINITY;
}

/** People kept on a theme's top list: enough for 5 names after excluding the asker, declines and opt-outs. */
export const TOP_SIZE = 25;

/** The top list after one person's row changed: their entry replaced or added, best first, at most TOP_SIZE; undefined when it does not change. */
export function withTopEntry(top: readonly ExpertiseRow[], row: ExpertiseRow): ExpertiseRow[] | undefined {
  const others = top.filter((r) => r.personId !== row.personId);
  const wasIn = others.length !== top.length;
  if (!wasIn && others.length >= TOP_SIZE && standing(row) <= standing(others[others.length - 1]!)) return undefined;
  return [...others, row].sort((a, b) => standing(b) - standing(a)).slice(0, TOP_SIZE);
}

export function topOf(rows: readonly ExpertiseRow[]): ExpertiseRow[] {
  return [...rows].sort((a, b) => standing(b) - standing(a)).slice(0, TOP_SIZE);
}

export function scoreNow(row: ExpertiseRow, now: Date): number {
  return faded(row.score, row.scoreAt, now.getTime());
}

/**
 * People ranked by their summed score over the matched themes, best first; ties by the most
 * recent contribution. `exclude` (the asker, people who opted out or declined) never appears.
 */
export function rankExperts(byTheme: readonly { theme: string; rows: readonly ExpertiseRow[] }[], now: Date, exclude: ReadonlySet<string>, limit: number): Expert[] {
  const people = new Map<string, Expert & { latest: number }>();
  for (const { theme, rows } of byTheme) {
    for (const row of rows) {
      if (exclude.has(row.personId)) continue;
      const counts: Partial<Record<ContributionKind, number>> = {};
      let latest = 0;
      for (const k of KINDS) {
        const n = row[countField(k)] ?? 0;
        if (n > 0) counts[k] = n;
        latest = Math.max(latest, row[atField(k)] ?? 0);
      }
      const entry = people.get(row.personId) ?? { person: { userId: row.personId, userName: row.name }, score: 0, evidence: [], latest: 0 };
      entry.score += scoreNow(row, now);
      entry.evidence.push({ theme, counts, latest: new Date(latest) });
      entry.latest = Math.max(entry.latest, latest);
      people.set(row.personId, entry);
    }
  }
  return [...people.values()]
    .filter((e) => e.score > 0)
    .sort((a, b) => b.score - a.score || b.latest - a.latest)
    .slice(0, Math.max(0, limit))
    .map(({ latest: _latest, ...e }) => e);
}
