import type { TableClient, TransactionAction } from '@azure/data-tables';
import { encodeKeyPart, key, timeKey } from '../../store/keys';
import { mutateEntity } from '../../store/etag';
import { getEntityOrUndefined, insertIfAbsent, listPartition, statusOf, type Store } from '../../store/tables';
import { topOf, withTopEntry, type ExpertiseRow } from './expertise';
import { QUESTION_NETWORK_TABLE } from './network';
import { QUESTION_ID, type AcceptedAnswer, type Answer, type Person, type ProposedTopic, type Question, type QuestionCopy, type RelatedStory, type RoutedChannel, type Space } from './model';

/**
 * Connect's tables.
 *
 * questions   PK tenant|space            RK questionId (newest first); its answers RK questionId|a|answerId;
 *                                        RK open|questionId: the open questions (digest), removed at the first answer;
 *                                        RK copy|questionId|channel: one per cross-posted copy (only one instance posts it)
 *                                        RK asked|conversation|activity: the Teams activity that asked (a re-delivery finds it;
 *                                          `posting`: since when a delivery posts its card, 0 once its post failed)
 *             PK due|YYYY-MM-DD          RK dueTime|tenant|space|questionId: reminders due that day (the job reads a few days)
 * expertise   PK tenant|space|theme      RK p|person: decayed score, counts and latest time per kind (expertise.ts)
 *                                        RK top: the theme's best TOP_SIZE rows, kept as contributions happen
 *                                        RK stories: the theme's newest SHORTLIST stories (excerpt, terms), shown beside questions
 * connectpeople PK tenant                RK person: who opted out of suggestions (tenant-wide)
 * questionbuckets PK tenant|space        RK route|theme (owners) and stats|theme (counters)
 * questionnetwork PK tenant              RK open|questionId|space: open questions visible to every team (network.ts)
 */
export const QUESTIONS_TABLE = 'questions';
export const EXPERTISE_TABLE = 'expertise';
export const CONNECT_PEOPLE_TABLE = 'connectpeople';
export const BUCKETS_TABLE = 'questionbuckets';
export const CONNECT_TABLES = [QUESTIONS_TABLE, EXPERTISE_TABLE, CONNECT_PEOPLE_TABLE, BUCKETS_TABLE, QUESTION_NETWORK_TABLE] as const;

interface QuestionRow {
  questionId: string;
  conversationId: string;
  text: string;
  askerId: string;
  askerName: string;
  themes: string;
  bucket: string;
  suggested: string;
  declined: string;
  related: string;
  claimedBy?: string;
  answerIds: string;
  firstAnswerAt?: number;
  accepted?: string;
  createdAt: number;
  version: number;
  thread: string;
  remindedAt?: number;
  cardId?: string;
  proposed?: string;
  copies?: string;
  visibility?: string;
}

interface AnswerRow {
  answerId: string;
  questionId: string;
  text: string;
  authorId: string;
  authorName: string;
  at: number;
}

export interface OpenQuestionRow {
  questionId: string;
  conversationId: string;
  text: string;
  askerName: string;
  bucket: string;
  createdAt: number;
}

export interface DueRow {
  tenantId: string;
  spaceId: string;
  questionId: string;
  dueAt: number;
}

export interface BucketStats {
  asked: number;
  claimed: number;
  answered: number;
  accepted: number;
  /** Times to first answer in ms, the latest 200 (for the median). */
  firstAnswerMs: number[];
}

export interface BucketRoute {
  owners: Person[];
  /** Channels of the team the bucket's questions are cross-posted to. */
  channels: RoutedChannel[];
  setBy: string;
  setAt: number;
}

const MAX_SAMPLES = 200;
const TOP_RK = 'top';
const STORIES_RK = 'stories';
/** Stories kept per theme for "related stories": the newest, as they are told. */
export const SHORTLIST = 30;

/**
 * How long this instance reuses a theme's lists (top list, story shortlist) and a bucket's route
 * for `ask`: writes on this instance drop the entry at once; writes on another instance show
 * here within this time. A few seconds of staleness only delays a new contribution's weight or
 * a route change (organizer settings): opt-outs, the asker and declines are filtered from fresh
 * reads on every question, so a stale list never suggests someone who opted out.
 */
export const LISTS_TTL_MS = 10_000;
/** Entries kept per store (themes x spaces, and routes): the oldest goes first. */
const LISTS_CACHE_MAX = 2_000;

/** A small TTL cache of reads in flight or done: a failed read is not kept. */
class ReadCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  get(key: string, read: () => Promise<T>, now = Date.now()): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < LISTS_TTL_MS) return hit.value;
    if (hit) this.entries.delete(key);
    if (this.entries.size >= LISTS_CACHE_MAX) this.entries.delete(this.entries.keys().next().value as string);
    const value = read();
    this.entries.set(key, { at: now, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** After a write completes (or fails: it may have been applied): the next read goes to storage. */
  drop(key: string): void {
    this.entries.delete(key);
  }
}

interface ConnectCaches {
  lists: ReadCache<{ top: ExpertiseRow[]; stories: ShortlistedStory[] }>;
  routes: ReadCache<BucketRoute | undefined>;
}

/** One set of caches per store in this process, so every ConnectRepo on it sees the others' writes. */
const cachesByStore = new WeakMap<Store, ConnectCaches>();
function cachesOf(store: Store): ConnectCaches {
  let c = cachesByStore.get(store);
  if (!c) cachesByStore.set(store, (c = { lists: new ReadCache(), routes: new ReadCache() }));
  return c;
}

export interface ShortlistedStory {
  storyId: string;
  excerpt: string;
  tellerName: string;
  terms: string[];
  at: number;
}
const personRk = (personId: string): string => `p|${encodeKeyPart(personId)}`;
const spacePk = (w: Space): string => key(w.tenantId, w.spaceId);
const OPEN = 'open|';
const openRk = (questionId: string): string => `${OPEN}${questionId}`;
const copyRk = (questionId: string, conversationId: string): string => `copy|${questionId}|${encodeKeyPart(conversationId)}`;
const answerRk = (questionId: string, answerId: string): string => `${questionId}|a|${answerId}`;
const askedRk = (conversationId: string, activityId: string): string => `asked|${encodeKeyPart(conversationId)}|${encodeKeyPart(activityId)}`;
export const duePk = (day: Date): string => key('due', day.toISOString().slice(0, 10));

function toRow(q: Question): QuestionRow {
  return {
    questionId: q.questionId,
    conversationId: q.conversationId,
    text: q.text,
    askerId: q.asker.userId,
    askerName: q.asker.userName,
    themes: JSON.stringify(q.themes),
    bucket: q.bucket,
    suggested: JSON.stringify(q.suggested),
    declined: JSON.stringify(q.declined),
    related: JSON.stringify(q.related),
    ...(q.claimedBy ? { claimedBy: JSON.stringify(q.claimedBy) } : {}),
    answerIds: JSON.stringify(q.answerIds),
    ...(q.firstAnswerAt ? { firstAnswerAt: q.firstAnswerAt.getTime() } : {}),
    ...(q.accepted ? { accepted: JSON.stringify({ ...q.accepted, at: q.accepted.at.getTime() }) } : {}),
    createdAt: q.createdAt.getTime(),
    version: q.version,
    thread: q.thread,
    ...(q.remindedAt ? { remindedAt: q.remindedAt.getTime() } : {}),
    ...(q.cardId ? { cardId: q.cardId } : {}),
    ...(q.copies?.length ? { copies: JSON.stringify(q.copies) } : {}),
    ...(q.proposed ? { proposed: JSON.stringify({ ...q.proposed, at: q.proposed.at.getTime() }) } : {}),
    ...(q.visibility === 'network' ? { visibility: q.visibility } : {}),
  };
}

function fromRow(w: Space, r: QuestionRow): Question {
  const accepted = r.accepted ? (JSON.parse(r.accepted) as Omit<AcceptedAnswer, 'at'> & { at: number }) : undefined;
  const proposed = r.proposed ? (JSON.parse(r.proposed) as Omit<ProposedTopic, 'at'> & { at: number }) : undefined;
  return {
    tenantId: w.tenantId,
    spaceId: w.spaceId,
    conversationId: r.conversationId,
    questionId: r.questionId,
    text: r.text,
    asker: { userId: r.askerId, userName: r.askerName },
    themes: JSON.parse(r.themes) as string[],
    bucket: r.bucket,
    suggested: JSON.parse(r.suggested) as Person[],
    declined: JSON.parse(r.declined) as string[],
    related: JSON.parse(r.related) as RelatedStory[],
    ...(r.claimedBy ? { claimedBy: JSON.parse(r.claimedBy) as Person } : {}),
    answerIds: JSON.parse(r.answerIds) as string[],
    ...(r.firstAnswerAt ? { firstAnswerAt: new Date(r.firstAnswerAt) } : {}),
    ...(accepted ? { accepted: { ...accepted, at: new Date(accepted.at) } } : {}),
    createdAt: new Date(r.createdAt),
    version: r.version,
    thread: r.thread,
    ...(r.remindedAt ? { remindedAt: new Date(r.remindedAt) } : {}),
    ...(r.cardId ? { cardId: r.cardId } : {}),
    ...(proposed ? { proposed: { ...proposed, at: new Date(proposed.at) } } : {}),
    ...(r.copies ? { copies: JSON.parse(r.copies) as QuestionCopy[] } : {}),
    ...(r.visibility === 'network' ? { visibility: 'network' as const } : {}),
  };
}

export class ConnectRepo {
  private readonly questions: TableClient;
  private readonly expertise: TableClient;
  private readonly people: TableClient;
  private readonly buckets: TableClient;
  private readonly caches: ConnectCaches;

  constructor(store: Store) {
    this.caches = cachesOf(store);
    this.questions = store.table(QUESTIONS_TABLE);
    this.expertise = store.table(EXPERTISE_TABLE);
    this.people = store.table(CONNECT_PEOPLE_TABLE);
    this.buckets = store.table(BUCKETS_TABLE);
  }

  // ---- questions -----------------------------------------------------------------------

  /**
   * The question and its open-list entry in one transaction (one partition). Its reminder is
   * written after (scheduleReminder); a reminder whose question was never written leads nowhere
   * (the job skips what it cannot read), so a failure never leaves half a question.
   *
   * With `activityId` (the Teams activity that asked) the transaction also creates
   * `asked|<conversation>|<activityId>`, as a story's capture does: a re-delivery of that activity
   * fails on it, writes nothing, and is told so (false), so the `ask` turn needs no separate
   * de-duplication row.
   */
  async createQuestion(q: Question, activityId?: string): Promise<boolean> {
    const open: OpenQuestionRow = { questionId: q.questionId, conversationId: q.conversationId, text: q.text, askerName: q.asker.userName, bucket: q.bucket, createdAt: q.createdAt.getTime() };
    const actions: TransactionAction[] = [
      ['create', { partitionKey: spacePk(q), rowKey: q.questionId, ...toRow(q) }],
      ['upsert', { partitionKey: spacePk(q), rowKey: openRk(q.questionId), ...open }, 'Replace'],
    ];
    // `posting`: this delivery is posting the card since then (a re-delivery leaves it to it; see takeOverCard).
    if (activityId) actions.push(['create', { partitionKey: spacePk(q), rowKey: askedRk(q.conversationId, activityId), questionId: q.questionId, at: q.createdAt.getTime(), posting: q.createdAt.getTime() }]);
    try {
      await this.questions.submitTransaction(actions);
      return true;
    } catch (err) {
      if (activityId !== undefined && statusOf(err) === 409 && (await this.askedBy(q, q.conversationId, activityId)) !== undefined) return false;
      throw err;
    }
  }

  /** The question's one reminder, due at `remindAt` (written again, it is the same row). */
  async scheduleReminder(q: Question, remindAt: Date): Promise<void> {
    const due: DueRow = { tenantId: q.tenantId, spaceId: q.spaceId, questionId: q.questionId, dueAt: remindAt.getTime() };
    await this.questions.upsertEntity({ partitionKey: duePk(remindAt), rowKey: timeKey(remindAt, key(q.tenantId, q.spaceId, q.questionId)), ...due }, 'Replace');
  }

  /** The question a Teams activity asked, if it asked one (or the call took it: see claimAsking). */
  async askedBy(w: Space, conversationId: string, activityId: string): Promise<string | undefined> {
    return (await getEntityOrUndefined<{ questionId: string }>(this.questions, spacePk(w), askedRk(conversationId, activityId)))?.questionId;
  }

  /**
   * A re-delivery of the activity that asked, when the question is stored without its card (the
   * first delivery's post failed, or its instance stopped before posting): this delivery takes
   * the posting over, once. The first delivery holds it from the question's creation; it lets go
   * at once when its post fails (releaseCard), and after `leaseMs` when it said nothing (an
   * instance that stopped). eTag-guarded: of two re-deliveries at once, one takes it.
   * The question, and whether the first delivery let go (its post failed: it recorded the
   * question's reminder and counter) or went silent (nothing after the question is sure);
   * undefined when not a question (the call took it), its card is posted, or another delivery
   * is posting it.
   */
  async takeOverCard(w: Space, conversationId: string, activityId: string, now: Date, leaseMs: number): Promise<{ question: Question; released: boolean } | undefined> {
    const rk = askedRk(conversationId, activityId);
    const row = await getEntityOrUndefined<{ questionId: string; posting?: number }>(this.questions, spacePk(w), rk);
    if (!row?.questionId || !row.etag) return undefined;
    if (row.posting !== undefined && row.posting > 0 && now.getTime() - row.posting < leaseMs) return undefined;
    const question = await this.getQuestion(w, row.questionId);
    if (!question || question.cardId) return undefined;
    try {
      await this.questions.updateEntity({ partitionKey: spacePk(w), rowKey: rk, posting: now.getTime() }, 'Merge', { etag: row.etag });
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) return undefined;
      throw err;
    }
    return { question, released: row.posting === 0 };
  }

  /** The post of the question's card failed: a re-delivery of the asking activity may post it at once. */
  async releaseCard(w: Space, conversationId: string, activityId: string): Promise<void> {
    await this.questions.updateEntity({ partitionKey: spacePk(w), rowKey: askedRk(conversationId, activityId), posting: 0 }, 'Merge');
  }

  /**
   * "Only the first delivery of this activity asks": the same row createQuestion creates, for an
   * `ask` that goes elsewhere (a call's live queue). False when an earlier delivery took it.
   */
  async claimAsking(w: Space, conversationId: string, activityId: string, at: Date): Promise<boolean> {
    return insertIfAbsent(this.questions, { partitionKey: spacePk(w), rowKey: askedRk(conversationId, activityId), questionId: '', at: at.getTime() });
  }

  /** The claim of an activity whose work failed: a re-delivery may try again. */
  async releaseAsking(w: Space, conversationId: string, activityId: string): Promise<void> {
    await this.questions.deleteEntity(spacePk(w), askedRk(conversationId, activityId)).catch(() => undefined);
  }

  async getQuestion(w: Space, questionId: string): Promise<Question | undefined> {
    const row = await getEntityOrUndefined<QuestionRow>(this.questions, spacePk(w), questionId);
    return row ? fromRow(w, row) : undefined;
  }

  /**
   * eTag-guarded change: `apply` returns the next question or undefined (no write). Two people
   * pressing at once: one write wins, the other re-reads and sees what the first did.
   */
  async changeQuestion(w: Space, questionId: string, apply: (current: Question | undefined) => Question | undefined): Promise<{ before?: Question; after?: Question }> {
    let before: Question | undefined;
    let after: Question | undefined;
    await mutateEntity<QuestionRow>(this.questions, spacePk(w), questionId, (row) => {
      before = row ? fromRow(w, row) : undefined;
      after = apply(before);
      return after ? toRow({ ...after, version: (before?.version ?? 0) + 1 }) : undefined;
    });
    return { before, after: after ? { ...after, version: (before?.version ?? 0) + 1 } : undefined };
  }

  /**
   * Remembers the posted card. A merge of this one field: it changes the row's eTag, so an
   * eTag-guarded change that read the row before it re-reads and keeps it.
   */
  async setCardId(w: Space, questionId: string, cardId: string): Promise<void> {
    await this.questions.updateEntity({ partitionKey: spacePk(w), rowKey: questionId, cardId }, 'Merge');
  }

  /** "Only one of us posts the copy": one row per question and channel (insert-if-absent). */
  async claimCopy(w: Space, questionId: string, conversationId: string, at: Date): Promise<boolean> {
    return insertIfAbsent(this.questions, { partitionKey: spacePk(w), rowKey: copyRk(questionId, conversationId), at: at.getTime() });
  }

  /** A copy that could not be posted: the claim goes, so a later attempt may post it. */
  async releaseCopy(w: Space, questionId: string, conversationId: string): Promise<void> {
    await this.questions.deleteEntity(spacePk(w), copyRk(questionId, conversationId)).catch(() => undefined);
  }

  /** Writes the answer row; the same answer id again rewrites the same row (the question row counts it once). */
  async putAnswer(w: Space, a: Answer): Promise<void> {
    await this.questions.upsertEntity<AnswerRow>({
      partitionKey: spacePk(w),
      rowKey: answerRk(a.questionId, a.answerId),
      answerId: a.answerId,
      questionId: a.questionId,
      text: a.text,
      authorId: a.author.userId,
      authorName: a.author.userName,
      at: a.at.getTime(),
    }, 'Replace');
  }

  async getAnswer(w: Space, questionId: string, answerId: string): Promise<Answer | undefined> {
    const r = await getEntityOrUndefined<AnswerRow>(this.questions, spacePk(w), answerRk(questionId, answerId));
    return r ? { answerId: r.answerId, questionId: r.questionId, text: r.text, author: { userId: r.authorId, userName: r.authorName }, at: new Date(r.at) } : undefined;
  }

  async closeOpen(w: Space, questionId: string): Promise<void> {
    await this.questions.deleteEntity(spacePk(w), openRk(questionId)).catch(() => undefined);
  }

  /**
   * Every question of the space, newest first: an export's read (the whole history once, not a
   * per-turn cost). Question ids start with digits, so the range leaves out the open list and the
   * copies; answers share the range and are skipped by their key.
   */
  async listQuestions(w: Space): Promise<Question[]> {
    const rows = await listPartition<QuestionRow>(this.questions, spacePk(w), { from: '0', to: ':' });
    return rows.filter((r) => QUESTION_ID.test(r.rowKey ?? '')).map((r) => fromRow(w, r));
  }

  /** Open questions of the space, newest first (one partition read of the open list). */
  async openQuestions(w: Space, limit: number): Promise<OpenQuestionRow[]> {
    return listPartition<OpenQuestionRow>(this.questions, spacePk(w), { from: OPEN, to: 'open}' }, limit);
  }

  /** Reminders due by `now` on the given days (one partition read each). */
  async dueReminders(days: readonly Date[], now: Date): Promise<(DueRow & { partitionKey: string; rowKey: string })[]> {
    const lists = await Promise.all(days.map((d) => listPartition<DueRow>(this.questions, duePk(d), { to: timeKey(new Date(now.getTime() + 1)) })));
    return lists.flat().map((r) => ({ tenantId: r.tenantId, spaceId: r.spaceId, questionId: r.questionId, dueAt: r.dueAt, partitionKey: r.partitionKey ?? '', rowKey: r.rowKey ?? '' }));
  }

  async removeDue(partitionKey: string, rowKey: string): Promise<void> {
    await this.questions.deleteEntity(partitionKey, rowKey).catch(() => undefined);
  }

  // ---- expertise -----------------------------------------------------------------------

  /**
   * One more contribution on a theme: the person's row (eTag-guarded), then the theme's top list
   * if they belong on it (also eTag-guarded; most contributions of people far down the list
   * cost no second write).
   */
  async changeExpertise(w: Space, theme: string, personId: string, apply: (current: ExpertiseRow | undefined) => ExpertiseRow): Promise<void> {
    const pk = key(w.tenantId, w.spaceId, theme);
    const { after } = await mutateEntity<ExpertiseRow>(this.expertise, pk, personRk(personId), (row) => apply(row ? strip(row) : undefined));
    if (!after) return;
    await this.changeTop(pk, strip(after));
  }

  /**
   * The theme's top list is one row that every contribution on the theme may change: a burst of
   * notes on one theme made each write retry on the others' eTags (measured: ~10 reads and ~10
   * updates per note at 32 at once). Changes arriving while a write is out wait and go together
   * in the next one (one eTag write for all of them); across instances the eTag still decides.
   */
  private readonly topQueues = new Map<string, { rows: ExpertiseRow[]; waiters: { resolve: () => void; reject: (err: unknown) => void }[] }>();
  private readonly topWriting = new Set<string>();

  private changeTop(pk: string, row: ExpertiseRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let q = this.topQueues.get(pk);
      if (!q) this.topQueues.set(pk, (q = { rows: [], waiters: [] }));
      q.rows.push(row);
      q.waiters.push({ resolve, reject });
      if (!this.topWriting.has(pk)) void this.drainTop(pk);
    });
  }

  private async drainTop(pk: string): Promise<void> {
    this.topWriting.add(pk);
    try {
      for (let q = this.topQueues.get(pk); q; q = this.topQueues.get(pk)) {
        this.topQueues.delete(pk);
        const batch = q;
        try {
          await mutateEntity<{ entries: string }>(this.expertise, pk, TOP_RK, (top) => {
            let list: ExpertiseRow[] = top ? (JSON.parse(top.entries) as ExpertiseRow[]) : [];
            let changed = false;
            for (const r of batch.rows) {
              const next = withTopEntry(list, r);
              if (next) [list, changed] = [next, true];
            }
            return changed ? { entries: JSON.stringify(list) } : undefined;
          });
          this.caches.lists.drop(pk);
          for (const w of batch.waiters) w.resolve();
        } catch (err) {
          this.caches.lists.drop(pk);
          for (const w of batch.waiters) w.reject(err);
        }
      }
    } finally {
      this.topWriting.delete(pk);
    }
  }

  /** The theme's top list: one point read. */
  async topOn(w: Space, theme: string): Promise<ExpertiseRow[]> {
    const top = await getEntityOrUndefined<{ entries: string }>(this.expertise, key(w.tenantId, w.spaceId, theme), TOP_RK);
    return top ? (JSON.parse(top.entries) as ExpertiseRow[]) : [];
  }

  /** Everyone with a standing on the theme in the space: one partition read (when the top list is not enough). */
  async expertsOn(w: Space, theme: string): Promise<ExpertiseRow[]> {
    return (await listPartition<ExpertiseRow>(this.expertise, key(w.tenantId, w.spaceId, theme), { from: 'p|', to: 'p}' })).map(strip);
  }

  /** Bulk seeding (benchmarks, tests): rows for one theme and its top list, in transactions of 100. */
  async seedExpertise(w: Space, theme: string, rows: readonly ExpertiseRow[]): Promise<void> {
    const pk = key(w.tenantId, w.spaceId, theme);
    for (let i = 0; i < rows.length; i += 100) {
      await this.expertise.submitTransaction(rows.slice(i, i + 100).map((r) => ['upsert', { partitionKey: pk, rowKey: personRk(r.personId), ...r }, 'Replace']));
    }
    try {
      await this.expertise.upsertEntity({ partitionKey: pk, rowKey: TOP_RK, entries: JSON.stringify(topOf(rows)) }, 'Replace');
    } finally {
      this.caches.lists.drop(pk);
    }
  }

  /** A new story on the theme goes to the front of its shortlist (eTag-guarded; a re-sent story is not added twice). */
  async shortlistStory(w: Space, theme: string, entry: ShortlistedStory): Promise<void> {
    const pk = key(w.tenantId, w.spaceId, theme);
    try {
      await mutateEntity<{ entries: string }>(this.expertise, pk, STORIES_RK, (row) => {
        const list = row ? (JSON.parse(row.entries) as ShortlistedStory[]) : [];
        if (list.some((e) => e.storyId === entry.storyId)) return undefined;
        return { entries: JSON.stringify([entry, ...list].sort((a, b) => b.at - a.at).slice(0, SHORTLIST)) };
      });
    } finally {
      this.caches.lists.drop(pk);
    }
  }

  /**
   * A story of the shortlist was edited: its entry takes the new excerpt (`entry`), or leaves
   * the list (`undefined`: the story is no longer on the theme). eTag-guarded; a list without it
   * is not written.
   */
  async reviseShortlisted(w: Space, theme: string, storyId: string, entry: ShortlistedStory | undefined): Promise<void> {
    const pk = key(w.tenantId, w.spaceId, theme);
    try {
      await mutateEntity<{ entries: string }>(this.expertise, pk, STORIES_RK, (row) => {
        const list = row ? (JSON.parse(row.entries) as ShortlistedStory[]) : [];
        const at = list.findIndex((e) => e.storyId === storyId);
        if (at < 0) return undefined;
        const next = entry ? list.map((e, i) => (i === at ? { ...entry, tellerName: e.tellerName, at: e.at } : e)) : list.filter((_, i) => i !== at);
        return { entries: JSON.stringify(next) };
      });
    } finally {
      this.caches.lists.drop(pk);
    }
  }

  /**
   * The theme's top list and story shortlist at once: one read of the two rows ('stories' < 'top',
   * after every 'p|' row), reused for LISTS_TTL_MS on this instance (dropped by its own writes).
   */
  themeLists(w: Space, theme: string): Promise<{ top: ExpertiseRow[]; stories: ShortlistedStory[] }> {
    const pk = key(w.tenantId, w.spaceId, theme);
    return this.caches.lists.get(pk, () => this.readThemeLists(pk));
  }

  private async readThemeLists(pk: string): Promise<{ top: ExpertiseRow[]; stories: ShortlistedStory[] }> {
    const rows = await listPartition<{ entries: string }>(this.expertise, pk, { from: STORIES_RK, to: `${TOP_RK}|` });
    const entries = (rk: string): unknown[] => {
      const row = rows.find((r) => r.rowKey === rk);
      return row ? (JSON.parse(row.entries) as unknown[]) : [];
    };
    return { top: entries(TOP_RK) as ExpertiseRow[], stories: entries(STORIES_RK) as ShortlistedStory[] };
  }

  // ---- opt-outs ------------------------------------------------------------------------

  async setHidden(tenantId: string, who: Person, hidden: boolean, at: Date): Promise<void> {
    if (hidden) await this.people.upsertEntity({ partitionKey: key(tenantId), rowKey: key(who.userId), userId: who.userId, hiddenAt: at.getTime() }, 'Replace');
    else await this.people.deleteEntity(key(tenantId), key(who.userId)).catch(() => undefined);
  }

  /** Everyone in the tenant who opted out: one partition read (a few people, not the whole tenant). */
  async hiddenPeople(tenantId: string): Promise<Set<string>> {
    return new Set((await listPartition<{ userId: string }>(this.people, key(tenantId))).map((r) => r.userId));
  }

  // ---- buckets -------------------------------------------------------------------------

  async changeStats(w: Space, bucket: string, apply: (current: BucketStats) => BucketStats): Promise<void> {
    await mutateEntity<{ bucket: string; stats: string }>(this.buckets, spacePk(w), key('stats', bucket), (row) => {
      const current: BucketStats = row ? (JSON.parse(row.stats) as BucketStats) : { asked: 0, claimed: 0, answered: 0, accepted: 0, firstAnswerMs: [] };
      const next = apply(current);
      return { bucket, stats: JSON.stringify({ ...next, firstAnswerMs: next.firstAnswerMs.slice(-MAX_SAMPLES) }) };
    });
  }

  async setRoute(w: Space, bucket: string, route: BucketRoute): Promise<void> {
    try {
      await this.buckets.upsertEntity(
        { partitionKey: spacePk(w), rowKey: key('route', bucket), bucket, owners: JSON.stringify(route.owners), channels: JSON.stringify(route.channels), setBy: route.setBy, setAt: route.setAt },
        'Replace',
      );
    } finally {
      this.caches.routes.drop(key(spacePk(w), bucket));
    }
  }

  /** The bucket's route, reused for LISTS_TTL_MS on this instance (setRoute here drops it at once). */
  routeOf(w: Space, bucket: string): Promise<BucketRoute | undefined> {
    return this.caches.routes.get(key(spacePk(w), bucket), () => this.getRoute(w, bucket));
  }

  async getRoute(w: Space, bucket: string): Promise<BucketRoute | undefined> {
    const r = await getEntityOrUndefined<{ owners: string; channels?: string; setBy: string; setAt: number }>(this.buckets, spacePk(w), key('route', bucket));
    return r ? { owners: JSON.parse(r.owners) as Person[], channels: r.channels ? (JSON.parse(r.channels) as RoutedChannel[]) : [], setBy: r.setBy, setAt: r.setAt } : undefined;
  }

  /** Every bucket's counters and route of the space: one partition read. */
  async bucketsOf(w: Space): Promise<{ stats: Map<string, BucketStats>; routes: Map<string, BucketRoute> }> {
    const rows = await listPartition<{ bucket: string; stats?: string; owners?: string; channels?: string; setBy?: string; setAt?: number }>(this.buckets, spacePk(w));
    const stats = new Map<string, BucketStats>();
    const routes = new Map<string, BucketRoute>();
    for (const r of rows) {
      if (r.stats) stats.set(r.bucket, JSON.parse(r.stats) as BucketStats);
      if (r.owners) routes.set(r.bucket, { owners: JSON.parse(r.owners) as Person[], channels: r.channels ? (JSON.parse(r.channels) as RoutedChannel[]) : [], setBy: r.setBy ?? '', setAt: r.setAt ?? 0 });
    }
    return { stats, routes };
  }
}

function strip<T extends object>(row: T): T {
  const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...rest } = row as T & { partitionKey?: string; rowKey?: string; etag?: string; timestamp?: string };
  return rest as T;
}
