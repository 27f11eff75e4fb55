/**
 * Connect: questions routed to the people who know, and "who knows" inferred from what people
 * shared. Use cases in plain values; the Teams edge is routes.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import { newestFirstKey } from '../../store/keys';
import type { Store } from '../../store/tables';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../people/organizers';
import { normaliseTag } from '../stories/parse';
import { rankExperts, TOP_SIZE, withContribution, type ExpertiseRow } from './expertise';
import {
  GENERAL_BUCKET,
  MAX_ANSWER_LENGTH,
  MAX_ANSWERS,
  MAX_EXPERTS,
  MAX_OWNERS,
  MAX_QUESTION_LENGTH,
  MAX_RELATED,
  MAX_SUGGESTED,
  MAX_TOPIC_LENGTH,
  type Answer,
  type Contribution,
  type Expert,
  type Person,
  type Place,
  type Question,
  type QuestionVisibility,
  type RelatedStory,
  type RoutedChannel,
  type Space,
} from './model';
import type { ConnectPorts } from './ports';
import type { NextCallTopics } from '../ports';
import { listedInNetwork, QuestionNetwork, QUESTION_NETWORK_TABLE } from './network';
import { ConnectRepo, type BucketRoute, type BucketStats, type OpenQuestionRow, type ShortlistedStory } from './repo';
import { connectStrings as s } from './strings';

export interface ConnectSettings {
  /** Hours after which an unanswered question gets its one reminder. */
  reminderHours: number;
  /**
   * Waits before each new attempt at a question's reminder row when writing it failed (the
   * storage client has already retried transient failures by then). Default 1 s, 5 s, 30 s.
   */
  reminderRetryMs?: readonly number[];
}

const REMINDER_RETRY_MS = [1_000, 5_000, 30_000];
/**
 * How long the delivery that stored a question is left to post its card before a re-delivery of
 * the same activity takes over: Teams gives a turn 15 s, so a delivery still silent at twice
 * that has stopped.
 */
export const CARD_LEASE_MS = 30_000;

export interface BucketView {
  bucket: string;
  name: string;
  asked: number;
  open: number;
  medianFirstAnswerMs?: number;
  owners: Person[];
  /** Names of the channels the bucket is cross-posted to. */
  channels: string[];
}

const MAX_CONTRIBUTION_THEMES = 8;
/**
 * Characters and words of a story kept in a theme's shortlist (the card shows 200 characters).
 * The shortlist is one string property, at most 32k UTF-16 characters: 30 stories of
 * (240 + 40 words of ~12 + name and id ~150) stay near 27k. 400 characters and 200 words, as
 * before, overflowed it with long stories.
 */
const EXCERPT = 240;
const SHORTLIST_TERMS = 40;
/** The reminder job reads this many day partitions back, so a scheduler that was down a few days still reminds. */
const REMINDER_LOOKBACK_DAYS = 7;

/**
 * A question ready to be stored: nothing written yet. Two of its reads are still under way and
 * are awaited by `save` beside the write: which related stories still exist (`alive`), and the
 * tenant's opt-outs as read now, when the suggestions were made from the ones this instance read
 * last (`resuggested`: the suggestions made anew from the fresh opt-outs, if they differ).
 */
export interface PreparedQuestion {
  question: Question;
  alive: Promise<Set<string>>;
  resuggested: Promise<Person[] | undefined>;
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
const samePeople = (a: readonly Person[], b: readonly Person[]): boolean => a.length === b.length && a.every((p, i) => p.userId === b[i]?.userId);

/** Tenants whose last read opt-outs this instance keeps (to suggest from while it reads them again). */
const OPT_OUTS_KEPT = 1_000;

export type DueReminder = Awaited<ReturnType<ConnectRepo['dueReminders']>>[number];

export const newQuestionId = (at: Date): string => `${newestFirstKey(at)}-${randomBytes(4).toString('hex')}`;
export const newAnswerId = (): string => randomBytes(6).toString('hex');

/** A proposal claimed but never completed (the instance stopped midway) can be claimed again after this. */
const PROPOSAL_LAPSE_MS = 60_000;

/** A question as a topic title: the agenda keeps topics short. */
function topicOf(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= MAX_TOPIC_LENGTH ? t : `${t.slice(0, MAX_TOPIC_LENGTH - 1).trimEnd()}…`;
}

function withoutVisibility(q: Question): Question {
  const { visibility: _visibility, ...rest } = q;
  return rest;
}

function withoutProposal(q: Question): Question {
  const { proposed: _proposed, ...rest } = q;
  return rest;
}

/** A question's reminder row could not be written after every retry (logged with the question's id, never its text). */
export class ReminderNotScheduled extends Error {
  constructor(
    readonly questionId: string,
    cause: unknown,
  ) {
    super(`the reminder of question ${questionId} could not be written`, { cause });
    this.name = 'ReminderNotScheduled';
  }
}

export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export class ConnectService {
  readonly repo: ConnectRepo;
  private readonly organizers: OrganizersRepo;
  private readonly network: QuestionNetwork;

  constructor(
    store: Store,
    private readonly clock: Clock,
    private readonly ports: ConnectPorts,
    private readonly settings: ConnectSettings,
    private readonly onLaterError: (err: unknown) => void = () => undefined,
  ) {
    this.repo = new ConnectRepo(store);
    this.organizers = new OrganizersRepo(store.table(ORGANIZERS_TABLE));
    this.network = new QuestionNetwork(store.table(QUESTION_NETWORK_TABLE));
  }

  // ---- ask -----------------------------------------------------------------------------

  validateQuestion(text: string): string {
    const t = text.trim();
    if (!t) throw new UserError(s.emptyQuestion);
    if (t.length > MAX_QUESTION_LENGTH) throw new UserError(s.questionTooLong(t.length));
    return t;
  }

  /**
   * The question as it will be posted, from reads only (tagging, the bucket's route, opt-outs,
   * each theme's top list and story shortlist): nothing is written, so a caller may prepare it
   * while it finds out whether the question goes elsewhere (the call's live queue) and drop it.
   */
  async prepare(place: Place, asker: Person, raw: string, thread: string, visibility: QuestionVisibility = 'team'): Promise<PreparedQuestion> {
    const text = this.validateQuestion(raw);
    const now = this.clock.now();
    // The opt-outs are read on every question (a list kept from earlier could suggest someone
    // who just opted out), asked for before the tagger's CPU work so the round trip and the
    // tagging overlap. The suggestions are made from the opt-outs this instance read last, if
    // any, and checked against this read beside the question's write (`save`); the first
    // question of a tenant on this instance waits for it.
    const optedOut = this.repo.hiddenPeople(place.tenantId).then((fresh) => this.keepOptOuts(place.tenantId, fresh));
    optedOut.catch(() => undefined);
    const known = this.optOuts.get(place.tenantId);
    const themes = await this.ports.tagger.themesOf(place, text);
    const bucket = themes[0] ?? GENERAL_BUCKET;
    // Each theme's top list and story shortlist in one read (two rows of one partition).
    const lists = Promise.all(themes.map(async (theme) => ({ theme, ...(await this.repo.themeLists(place, theme)) })));
    const tops = lists.then((l) => l.map((x) => ({ theme: x.theme, rows: x.top })));
    const wanted = { themes, bucket, exclude: [asker.userId] };
    const [{ people: suggested, route }, { candidates, alive }] = await Promise.all([
      this.suggest(place, wanted, MAX_SUGGESTED, tops, known ? Promise.resolve(known) : optedOut),
      this.related(place, text, themes, lists.then((l) => l.map((x) => x.stories))),
    ]);
    const resuggested = optedOut.then(async (fresh) => {
      if (!known || sameSet(known, fresh)) return undefined;
      const people = (await this.suggest(place, wanted, MAX_SUGGESTED, tops, Promise.resolve(fresh))).people;
      return samePeople(people, suggested) ? undefined : people;
    });
    resuggested.catch(() => undefined);
    // The bucket's channels (other than this one) each get a copy of the card.
    const copies = (route?.channels ?? []).filter((c) => c.conversationId !== place.conversationId).map((c) => ({ ...c }));
    const question: Question = {
      ...(copies.length ? { copies } : {}),
      tenantId: place.tenantId,
      spaceId: place.spaceId,
      conversationId: place.conversationId,
      questionId: newQuestionId(now),
      text,
      asker,
      themes,
      bucket,
      suggested,
      declined: [],
      related: candidates,
      answerIds: [],
      createdAt: now,
      version: 1,
      thread,
      ...(visibility === 'network' ? { visibility } : {}),
    };
    return { question, alive, resuggested };
  }

  /** Opt-outs read last per tenant on this instance (what `prepare` suggests from while it reads them again). */
  private readonly optOuts = new Map<string, Set<string>>();

  private keepOptOuts(tenantId: string, fresh: Set<string>): Set<string> {
    this.optOuts.delete(tenantId);
    if (this.optOuts.size >= OPT_OUTS_KEPT) this.optOuts.delete(this.optOuts.keys().next().value as string);
    this.optOuts.set(tenantId, fresh);
    return fresh;
  }

  /**
   * Stores a prepared question with its open-list entry (one transaction, while the related
   * stories are checked to still exist and the opt-outs are read again; in the rare case a story
   * was deleted, or the opt-outs changed since this instance last read them, the question is
   * rewritten, without the story, with the suggestions the fresh opt-outs make, before anyone
   * sees the card). With the asking activity's id, a re-delivery of that activity stores
   * nothing and gets undefined (see ConnectRepo.createQuestion). The reminder, the bucket's
   * counter and the card's id are written after the card is posted (`recordAsked`).
   */
  async save(prepared: PreparedQuestion, activityId?: string): Promise<Question | undefined> {
    const { question } = prepared;
    const [alive, resuggested, created] = await Promise.all([prepared.alive, prepared.resuggested, this.repo.createQuestion(question, activityId)]);
    if (!created) return undefined;
    const related = question.related.filter((r) => alive.has(r.storyId));
    // The opt-outs changed since this instance last read them (someone opted out, or back in):
    // the suggestions as the fresh ones make them, before anyone sees the card.
    const suggested = resuggested ?? question.suggested;
    let saved = question;
    if (related.length !== question.related.length || resuggested) {
      const { after } = await this.repo.changeQuestion(question, question.questionId, (cur) => (cur ? { ...cur, related, suggested } : undefined));
      saved = after ?? { ...question, related, suggested };
    }
    // Listed for the other teams only once the question is stored, and as stored (see follow).
    if (listedInNetwork(question)) await this.follow(question, question.questionId);
    return saved;
  }

  // ---- who may see it --------------------------------------------------------------------

  /**
   * Sets who may see the question (set-state: the button names the visibility, so a retry
   * changes nothing more): the asker or an organizer. Narrowing takes the other teams' row away
   * BEFORE the question is written; either way the row then follows the question as stored.
   */
  async setVisibility(place: Place, questionId: string, who: Person, visibility: QuestionVisibility): Promise<{ question: Question; changed: boolean }> {
    const found = await this.find(place, questionId);
    if (found.asker.userId !== who.userId && !(await this.organizers.isOrganizer(place, who.userId))) throw new UserError(s.notAllowedVisibility);
    if (visibility === 'team') await this.network.withdraw(found);
    const { before, after } = await this.repo.changeQuestion(place, questionId, (q) => (q && (q.visibility ?? 'team') !== visibility ? { ...withoutVisibility(q), ...(visibility === 'network' ? { visibility } : {}) } : undefined));
    if (listedInNetwork(before ?? found) || (after && listedInNetwork(after))) await this.follow(place, questionId);
    return { question: after ?? before ?? found, changed: Boolean(after) };
  }

  /**
   * Brings the other teams' row in line with the question AS STORED NOW, not as this change
   * wrote it: with two changes at once, the one that narrowed the question may have written
   * last, and publishing our own version would show a team-only question elsewhere. After
   * publishing, the question is read again: if it changed meanwhile, the row follows that (a
   * few rounds at most; the last writer's own round settles it).
   */
  private async follow(where: Space, questionId: string): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const current = await this.repo.getQuestion(where, questionId);
      if (!current || !listedInNetwork(current)) {
        await this.network.withdraw({ tenantId: where.tenantId, spaceId: where.spaceId, questionId });
        return;
      }
      await this.network.publish(current);
      const after = await this.repo.getQuestion(where, questionId);
      if (after?.version === current.version) return;
    }
  }

  /** Where a proactively posted question card lives: its thread and card id (a merge of two fields). */
  async posted(q: Question, thread: string, cardId: string): Promise<void> {
    await this.repo.changeQuestion(q, q.questionId, (cur) => (cur ? { ...cur, thread, cardId } : undefined));
  }

  /** Tags the question, finds related stories and up to 3 people, and stores it with its reminder. */
  async ask(place: Place, asker: Person, raw: string, thread: string, visibility: QuestionVisibility = 'team'): Promise<Question> {
    const question = await this.save(await this.prepare(place, asker, raw, thread, visibility));
    if (!question) throw new Error('a question without an activity id cannot be a re-delivery');
    return question;
  }

  /**
   * A re-delivery of an `ask` whose question is stored: the question, when this delivery is to
   * post its card (the first delivery's post failed, or it went silent for CARD_LEASE_MS; see
   * ConnectRepo.takeOverCard), with whether the question still has to be counted; undefined when
   * there is nothing to do (its card is posted, or being posted).
   */
  async resumeCard(place: Place, activityId: string): Promise<{ question: Question; count: boolean } | undefined> {
    const taken = await this.repo.takeOverCard(place, place.conversationId, activityId, this.clock.now(), CARD_LEASE_MS);
    return taken && { question: taken.question, count: !taken.released };
  }

  /** The question's card could not be posted: a re-delivery of the asking activity posts it at once. */
  async releaseCard(place: Place, activityId: string): Promise<void> {
    await this.repo.releaseCard(place, place.conversationId, activityId);
  }

  /**
   * After the card is posted (or its post failed: the question is stored either way), beside the
   * reply: the question's reminder, the bucket's asked counter and, if posted, the card's id.
   * `count: false` for a card a re-delivery posted after the first delivery had counted it.
   * Presses on this instance wait for the card's id through `find`, `buckets` for the counter.
   * The reminder row is retried until written (`reminderRetryMs`): each failure is reported, and
   * one that lasts is reported with the question's id (ReminderNotScheduled).
   */
  recordAsked(q: Question, cardId: string | undefined, { count = true }: { count?: boolean } = {}): void {
    const remindAt = new Date(q.createdAt.getTime() + this.settings.reminderHours * 3_600_000);
    const first = this.repo.scheduleReminder(q, remindAt);
    // The reminder job on this instance waits for first attempts in flight (not for retries).
    this.track(this.firstReminders, first, () => undefined);
    this.track(this.background, first.catch((err: unknown) => this.retryReminder(q, remindAt, err)));
    if (count) this.later(this.count(q, q.bucket, (c) => ({ ...c, asked: c.asked + 1 })));
    if (cardId) this.later(this.repo.setCardId(q, q.questionId, cardId));
  }

  private async retryReminder(q: Question, remindAt: Date, failure: unknown): Promise<void> {
    const waits = this.settings.reminderRetryMs ?? REMINDER_RETRY_MS;
    let err = failure;
    for (const wait of waits) {
      this.onLaterError(err);
      await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        return await this.repo.scheduleReminder(q, remindAt);
      } catch (again) {
        err = again;
      }
    }
    throw new ReminderNotScheduled(q.questionId, err);
  }

  // ---- writes beside the reply ----------------------------------------------------------

  private readonly pending = new Set<Promise<void>>();
  /** Writes beside the reply that no read on this instance waits for (the reminder row, retried). */
  private readonly background = new Set<Promise<void>>();
  /** Each reminder row's first attempt, while in flight. */
  private readonly firstReminders = new Set<Promise<void>>();

  /** Bookkeeping that need not hold the reply: failures are logged, reads on this instance wait for it. */
  later(work: Promise<unknown>): void {
    this.track(this.pending, work);
  }

  private track(set: Set<Promise<void>>, work: Promise<unknown>, onError: (err: unknown) => void = this.onLaterError): void {
    const p = work.then(() => undefined, onError);
    set.add(p);
    void p.finally(() => set.delete(p));
  }

  /** What reads on this instance wait for (`later`) is written. */
  async written(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Everything started beside the replies on this instance is done (written, or given up and reported). */
  async settled(): Promise<void> {
    while (this.pending.size || this.background.size) await Promise.all([...this.pending, ...this.background]);
  }

  /** Bucket owners first, then the best-ranked people on the themes; never the excluded, hidden or declined. */
  private async suggest(
    where: Space,
    q: { themes: string[]; bucket: string; exclude: string[] },
    count: number,
    topLists?: Promise<{ theme: string; rows: ExpertiseRow[] }[]>,
    optedOut?: Promise<Set<string>>,
  ): Promise<{ people: Person[]; route?: BucketRoute }> {
    const [route, hidden, tops] = await Promise.all([this.repo.routeOf(where, q.bucket), optedOut ?? this.repo.hiddenPeople(where.tenantId), topLists ?? this.tops(where, q.themes)]);
    const exclude = new Set([...hidden, ...q.exclude]);
    const owners = (route?.owners ?? []).filter((p) => !exclude.has(p.userId));
    for (const o of owners) exclude.add(o.userId);
    const experts = rankExperts(await this.enough(where, tops, exclude, count), this.clock.now(), exclude, count);
    return { people: [...owners, ...experts.map((e) => e.person)].slice(0, count), ...(route ? { route } : {}) };
  }

  private tops(where: Space, themes: readonly string[]): Promise<{ theme: string; rows: ExpertiseRow[] }[]> {
    return Promise.all(themes.map(async (theme) => ({ theme, rows: await this.repo.topOn(where, theme) })));
  }

  /**
   * Each theme's top list (one point read) ranks the people; only when exclusions (opt-outs, the
   * asker, declines) leave too few on a full list is the theme's whole partition read. Across
   * several themes the sum is taken over the top lists: someone just below the top on two
   * themes can be missed, a price paid to keep `who knows` at one read per theme.
   */
  private async enough(where: Space, tops: { theme: string; rows: ExpertiseRow[] }[], exclude: ReadonlySet<string>, needed: number): Promise<{ theme: string; rows: ExpertiseRow[] }[]> {
    return Promise.all(
      tops.map(async (t) => (t.rows.length >= TOP_SIZE && t.rows.filter((r) => !exclude.has(r.personId)).length < needed ? { theme: t.theme, rows: await this.repo.expertsOn(where, t.theme) } : t)),
    );
  }

  /**
   * Up to 3 stories told on the question's themes that share the most words with it (ties: the
   * newest), from each theme's shortlist (one point read per theme). Whether they still exist
   * (a deleted one is left out, not replaced: a card shows at most 3, often fewer) is checked
   * beside the question's write (`alive`, awaited by save), not before it: one round trip less.
   */
  private async related(where: Space, text: string, themes: readonly string[], shortlists: Promise<ShortlistedStory[][]>): Promise<{ candidates: RelatedStory[]; alive: Promise<Set<string>> }> {
    const none = { candidates: [], alive: Promise.resolve(new Set<string>()) };
    if (!themes.length) return none;
    const terms = new Set(this.ports.tagger.terms(text));
    const lists = await shortlists;
    const seen = new Set<string>();
    const candidates = lists
      .flat()
      .filter((e) => !seen.has(e.storyId) && seen.add(e.storyId))
      .map((e) => ({ e, score: e.terms.filter((t) => terms.has(t)).length }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || b.e.at - a.e.at)
      .slice(0, MAX_RELATED)
      .map(({ e }) => ({ storyId: e.storyId, text: e.excerpt, tellerName: e.tellerName }));
    if (!candidates.length) return none;
    const alive = this.ports.library.existing(where, candidates.map((c) => c.storyId));
    // Awaited by save; a prepared question that is dropped leaves no rejection unhandled.
    alive.catch(() => undefined);
    return { candidates, alive };
  }

  /** The question as the card shows it; refuses ids from another conversation (or a version never sent). */
  async find(place: Place, questionId: string, version?: number): Promise<Question> {
    if (this.pending.size) await this.written();
    const q = await this.repo.getQuestion(place, questionId);
    const here = q && (q.conversationId === place.conversationId || Boolean(q.copies?.some((c) => c.conversationId === place.conversationId)));
    if (!q || !here || (version !== undefined && version > q.version)) throw new UserError(s.questionNotFound);
    return q;
  }

  // ---- buttons -------------------------------------------------------------------------

  /** "I can help": the first presser claims it; anyone later learns who did. Pressing again changes nothing. */
  async claim(place: Place, questionId: string, version: number, who: Person): Promise<{ question: Question; outcome: 'claimed' | 'yours' | 'taken' }> {
    const found = await this.find(place, questionId, version);
    if (found.asker.userId === who.userId) throw new UserError(s.ownQuestionClaim);
    const { before, after } = await this.repo.changeQuestion(place, questionId, (q) => (q && !q.claimedBy ? { ...q, claimedBy: who } : undefined));
    if (after) {
      await this.count(place, after.bucket, (c) => ({ ...c, claimed: c.claimed + 1 }));
      return { question: after, outcome: 'claimed' };
    }
    if (!before) throw new UserError(s.questionNotFound);
    return { question: before, outcome: before.claimedBy?.userId === who.userId ? 'yours' : 'taken' };
  }

  /** "Not for me": the suggested person steps aside for this question, and the next person is offered. */
  async decline(place: Place, questionId: string, version: number, who: Person): Promise<{ question: Question; next?: Person; outcome: 'declined' | 'already' }> {
    const found = await this.find(place, questionId, version);
    if (found.declined.includes(who.userId)) return { question: found, outcome: 'already' };
    if (!found.suggested.some((p) => p.userId === who.userId)) throw new UserError(s.notSuggested);
    const {
      people: [next],
    } = await this.suggest(place, { themes: found.themes, bucket: found.bucket, exclude: [found.asker.userId, who.userId, ...found.declined, ...found.suggested.map((p) => p.userId)] }, 1);
    const { before, after } = await this.repo.changeQuestion(place, questionId, (q) => {
      if (!q || q.declined.includes(who.userId)) return undefined;
      const suggested = q.suggested.filter((p) => p.userId !== who.userId);
      if (next && !suggested.some((p) => p.userId === next.userId) && !q.declined.includes(next.userId)) suggested.push(next);
      return { ...q, suggested, declined: [...q.declined, who.userId] };
    });
    if (!after) return { question: before ?? found, outcome: 'already' };
    const offered = next && after.suggested.some((p) => p.userId === next.userId) ? next : undefined;
    return { question: after, ...(offered ? { next: offered } : {}), outcome: 'declined' };
  }

  validateAnswer(text: string): string {
    const t = text.trim();
    if (!t) throw new UserError(s.emptyAnswer);
    if (t.length > MAX_ANSWER_LENGTH) throw new UserError(s.answerTooLong(t.length));
    return t;
  }

  /**
   * An answer from the dialog. The dialog carries its own answer id, so the same submit again
   * (a retry, a double press) finds its id on the question and adds nothing. The answer row is
   * written first and rewritten by a retry, so the question never counts an answer it lacks.
   */
  async answer(place: Place, questionId: string, answerId: string, who: Person, raw: string): Promise<{ question: Question; answer: Answer; duplicate: boolean }> {
    const text = this.validateAnswer(raw);
    const found = await this.find(place, questionId);
    if (found.answerIds.includes(answerId)) {
      const existing = await this.repo.getAnswer(place, questionId, answerId);
      if (existing) return { question: found, answer: existing, duplicate: true };
    }
    if (found.answerIds.length >= MAX_ANSWERS) throw new UserError(s.tooManyAnswers);
    const now = this.clock.now();
    const answer: Answer = { answerId, questionId, text, author: who, at: now };
    // The first answer takes a network question off the other teams' lists: before the write.
    if (listedInNetwork(found)) await this.network.withdraw(found);
    await this.repo.putAnswer(place, answer);
    const { before, after } = await this.repo.changeQuestion(place, questionId, (q) =>
      q && !q.answerIds.includes(answerId) ? { ...q, answerIds: [...q.answerIds, answerId], firstAnswerAt: q.firstAnswerAt ?? now } : undefined,
    );
    if (listedInNetwork(found) || (before && listedInNetwork(before))) await this.follow(place, questionId);
    if (!after) return { question: before ?? found, answer, duplicate: true };
    if (before && before.answerIds.length === 0) {
      const waited = now.getTime() - after.createdAt.getTime();
      await Promise.all([this.repo.closeOpen(place, questionId), this.count(place, after.bucket, (c) => ({ ...c, answered: c.answered + 1, firstAnswerMs: [...c.firstAnswerMs, waited] }))]);
    }
    return { question: after, answer, duplicate: false };
  }

  /** "Accept": the asker (or an organizer) marks an answer as the one; it counts for the answerer on the question's themes. */
  async accept(place: Place, questionId: string, answerId: string, who: Person): Promise<{ question: Question; answer: Answer; outcome: 'accepted' | 'already' }> {
    const found = await this.find(place, questionId);
    const answer = found.answerIds.includes(answerId) ? await this.repo.getAnswer(place, questionId, answerId) : undefined;
    if (!answer) throw new UserError(s.answerNotFound);
    if (found.asker.userId !== who.userId && !(await this.organizers.isOrganizer(place, who.userId))) throw new UserError(s.onlyAskerAccepts);
    const now = this.clock.now();
    const { before, after } = await this.repo.changeQuestion(place, questionId, (q) =>
      q && !q.accepted ? { ...q, accepted: { answerId, answerer: answer.author, by: who, at: now } } : undefined,
    );
    if (!after) {
      const current = before ?? found;
      if (current.accepted && current.accepted.answerId !== answerId) throw new UserError(s.acceptedAlready(current.accepted.answerer.userName));
      return { question: current, answer, outcome: 'already' };
    }
    await Promise.all([
      this.count(place, after.bucket, (c) => ({ ...c, accepted: c.accepted + 1 })),
      this.recordContribution({ tenantId: place.tenantId, spaceId: place.spaceId, personId: answer.author.userId, name: answer.author.userName, kind: 'answer', themes: after.themes, at: now }),
    ]);
    return { question: after, answer, outcome: 'accepted' };
  }

  /** "Save as story" on an accepted answer: told by the answerer, tagged with the question's themes. */
  async saveAnswerAsStory(place: Place, questionId: string, answerId: string, who: Person): Promise<{ storyId: string; created: boolean }> {
    const q = await this.find(place, questionId);
    if (q.accepted?.answerId !== answerId) throw new UserError(s.notAccepted);
    const answer = await this.repo.getAnswer(place, questionId, answerId);
    if (!answer) throw new UserError(s.answerNotFound);
    const allowed = [q.asker.userId, answer.author.userId].includes(who.userId) || (await this.organizers.isOrganizer(place, who.userId));
    if (!allowed) throw new UserError(s.onlyAskerSaves);
    return this.ports.library.saveAnswer(place, { text: answer.text, teller: answer.author, savedBy: who, themes: q.themes, sourceId: `answer-${questionId}-${answerId}` });
  }

  /**
   * "Propose for the next call" (on the reminder): the question becomes a topic of the
   * conversation's next call, once. The question row is claimed first (eTag: of two presses at
   * once, one proposes, the other is told it is proposed); the agenda's refusal (no call
   * planned, the same topic already there) releases the claim, so a later press can try again.
   */
  async proposeForNextCall(place: Place, questionId: string, who: Person, topics: NextCallTopics | undefined): Promise<{ question: Question; outcome: 'proposed' | 'already' }> {
    if (!topics) throw new UserError(s.noAgenda);
    const found = await this.find(place, questionId);
    const now = this.clock.now();
    const claimable = (q: Question): boolean => !q.proposed || (q.proposed.topicNumber === undefined && now.getTime() - q.proposed.at.getTime() > PROPOSAL_LAPSE_MS);
    if (!claimable(found)) return { question: found, outcome: 'already' };
    const { before, after } = await this.repo.changeQuestion(place, questionId, (q) => (q && claimable(q) ? { ...q, proposed: { by: who, at: now } } : undefined));
    if (!after) {
      if (!before) throw new UserError(s.questionNotFound);
      return { question: before, outcome: 'already' };
    }
    let added: Awaited<ReturnType<NextCallTopics['propose']>>;
    try {
      added = await topics.propose(place, who, topicOf(after.text));
    } catch (err) {
      await this.repo.changeQuestion(place, questionId, (q) => (q?.proposed && q.proposed.topicNumber === undefined && q.proposed.by.userId === who.userId && q.proposed.at.getTime() === now.getTime() ? withoutProposal(q) : undefined)).catch(() => undefined);
      throw err;
    }
    const done = await this.repo.changeQuestion(place, questionId, (q) => (q ? { ...q, proposed: { by: who, at: now, callId: added.callId, callTitle: added.callTitle, topicNumber: added.topicNumber } } : undefined));
    return { question: done.after ?? after, outcome: 'proposed' };
  }

  // ---- who knows -----------------------------------------------------------------------

  /** Themes named by #tag or by name win; otherwise the tagger reads the words. */
  async themesForQuery(where: Space, query: string): Promise<string[]> {
    const q = query.trim().slice(0, 300);
    if (!q) throw new UserError(s.whoEmpty);
    const known = await this.ports.tagger.themes(where);
    const byKey = new Map<string, string>();
    for (const t of known) {
      byKey.set(t.id, t.id);
      byKey.set(normaliseTag(t.name), t.id);
    }
    const tags = [...q.matchAll(/#([\p{L}\p{N}][\p{L}\p{N}_-]*)/gu)].map((m) => normaliseTag(m[1] ?? ''));
    if (tags.length) {
      const unknown = tags.find((t) => !byKey.has(t));
      if (unknown !== undefined) throw new UserError(s.unknownTheme(unknown.slice(0, 60), known.map((t) => t.id)));
      return [...new Set(tags.map((t) => byKey.get(t) ?? t))];
    }
    const whole = byKey.get(normaliseTag(q));
    if (whole) return [whole];
    const found = await this.ports.tagger.themesOfQuery(where, q);
    if (!found.length) throw new UserError(s.noThemeMatched(known.map((t) => t.id)));
    return found;
  }

  /** Up to 5 people ranked on the themes: one point read per theme (its top list), plus the tenant's opt-outs. */
  async whoKnows(where: Space, query: string, asker: Person): Promise<{ themes: string[]; experts: Expert[] }> {
    const themes = await this.themesForQuery(where, query);
    const [hidden, tops] = await Promise.all([this.repo.hiddenPeople(where.tenantId), this.tops(where, themes)]);
    const exclude = new Set([...hidden, asker.userId]);
    return { themes, experts: rankExperts(await this.enough(where, tops, exclude, MAX_EXPERTS), this.clock.now(), exclude, MAX_EXPERTS) };
  }

  async hide(tenantId: string, who: Person): Promise<void> {
    await this.repo.setHidden(tenantId, who, true, this.clock.now()).finally(() => this.optOuts.delete(tenantId));
  }

  async show(tenantId: string, who: Person): Promise<void> {
    await this.repo.setHidden(tenantId, who, false, this.clock.now()).finally(() => this.optOuts.delete(tenantId));
  }

  /** A contribution somewhere in the product: raises the person on each of its themes (one row per theme). */
  async recordContribution(c: Contribution): Promise<number> {
    const where = { tenantId: c.tenantId, spaceId: c.spaceId };
    const themes = c.themes ?? (c.text ? await this.ports.tagger.themesOf(where, c.text) : []);
    const unique = [...new Set(themes.map(normaliseTag).filter(Boolean))].slice(0, MAX_CONTRIBUTION_THEMES);
    const who = { userId: c.personId, userName: c.name };
    const story = c.story ? { storyId: c.story.storyId, excerpt: c.story.text.slice(0, EXCERPT), tellerName: c.story.tellerName, terms: [...new Set(this.ports.tagger.terms(c.story.text))].slice(0, SHORTLIST_TERMS), at: c.at.getTime() } : undefined;
    await Promise.all(
      unique.map(async (theme) => {
        await this.repo.changeExpertise(where, theme, c.personId, (row) => withContribution(row, who, c.kind, c.at));
        if (story) await this.repo.shortlistStory(where, theme, story);
      }),
    );
    return unique.length;
  }

  /**
   * A story's text was edited: every theme shortlist quoting it (its former themes) takes the
   * new excerpt and words, or drops it when the story left the theme. A theme it newly has gets
   * it with its next contribution (an edit is not a new story: no one is credited again).
   */
  async reviseStory(e: { tenantId: string; spaceId: string; storyId: string; text: string; themes: string[]; formerThemes: string[] }): Promise<void> {
    const where = { tenantId: e.tenantId, spaceId: e.spaceId };
    const now = new Set(e.themes.map(normaliseTag));
    const entry = { storyId: e.storyId, excerpt: e.text.slice(0, EXCERPT), tellerName: '', terms: [...new Set(this.ports.tagger.terms(e.text))].slice(0, SHORTLIST_TERMS), at: 0 };
    const themes = [...new Set(e.formerThemes.map(normaliseTag).filter(Boolean))].slice(0, MAX_CONTRIBUTION_THEMES);
    await Promise.all(themes.map((theme) => this.repo.reviseShortlisted(where, theme, e.storyId, now.has(theme) ? entry : undefined)));
  }

  // ---- buckets -------------------------------------------------------------------------

  private async count(where: Space, bucket: string, apply: (c: BucketStats) => BucketStats): Promise<void> {
    await this.repo.changeStats(where, bucket, apply);
  }

  async buckets(where: Space): Promise<BucketView[]> {
    await this.written();
    const [{ stats, routes }, themes] = await Promise.all([this.repo.bucketsOf(where), this.ports.tagger.themes(where)]);
    const names = new Map(themes.map((t) => [t.id, t.name]));
    const ids = new Set([...stats.keys(), ...routes.keys()]);
    return [...ids]
      .map((bucket) => {
        const c = stats.get(bucket);
        const m = median(c?.firstAnswerMs ?? []);
        return {
          bucket,
          name: names.get(bucket) ?? bucket,
          asked: c?.asked ?? 0,
          open: Math.max(0, (c?.asked ?? 0) - (c?.answered ?? 0)),
          ...(m !== undefined ? { medianFirstAnswerMs: m } : {}),
          owners: routes.get(bucket)?.owners ?? [],
          channels: (routes.get(bucket)?.channels ?? []).map((c) => c.name),
        };
      })
      .sort((a, b) => b.asked - a.asked || a.bucket.localeCompare(b.bucket));
  }

  /**
   * `buckets set #theme: @a, @b, @channel` (organizers): questions on the theme suggest these
   * people first and are cross-posted to these channels. Several owners, people and channels
   * mixed; a channel must be one of this team's (`inTeam`, the conversation registry).
   */
  async setBucket(where: Space, who: Person, themeText: string, owners: Person[], channels: RoutedChannel[] = [], inTeam: (conversationId: string) => Promise<boolean> = async () => false): Promise<{ theme: string; route: BucketRoute }> {
    if (!(await this.organizers.isOrganizer(where, who.userId))) throw new UserError(s.bucketsNotOrganizer);
    const wanted = normaliseTag(themeText.replace(/^#/, ''));
    if (!wanted || owners.length + channels.length === 0) throw new UserError(s.bucketsSetUsage);
    const unique = owners.filter((p, i) => owners.findIndex((o) => o.userId === p.userId) === i);
    const uniqueChannels = channels.filter((c, i) => channels.findIndex((o) => o.conversationId === c.conversationId) === i);
    if (unique.length + uniqueChannels.length > MAX_OWNERS) throw new UserError(s.bucketsTooMany);
    const known = await this.ports.tagger.themes(where);
    const theme = known.find((t) => t.id === wanted || normaliseTag(t.name) === wanted);
    if (!theme) throw new UserError(s.unknownTheme(wanted.slice(0, 60), known.map((t) => t.id)));
    const checked = await Promise.all(uniqueChannels.map(async (c) => ({ c, ok: await inTeam(c.conversationId) })));
    const stranger = checked.find((x) => !x.ok);
    if (stranger) throw new UserError(s.channelNotInTeam(stranger.c.name));
    const route: BucketRoute = { owners: unique, channels: uniqueChannels, setBy: who.userId, setAt: this.clock.now().getTime() };
    await this.repo.setRoute(where, theme.id, route);
    return { theme: theme.id, route };
  }

  /** A copy of the card was posted in a routed channel: where, so changes show on it too. */
  async copyPosted(q: Question, conversationId: string, thread: string, cardId: string): Promise<void> {
    await this.repo.changeQuestion(q, q.questionId, (cur) => (cur ? { ...cur, copies: (cur.copies ?? []).map((c) => (c.conversationId === conversationId ? { ...c, thread, cardId } : c)) } : undefined));
  }

  // ---- follow-through ------------------------------------------------------------------

  async openQuestions(where: Space, limit: number): Promise<OpenQuestionRow[]> {
    return this.repo.openQuestions(where, limit);
  }

  /** Reminders due by now, from the day partitions of the last week (one read each). */
  async dueReminders(now: Date): Promise<DueReminder[]> {
    // Reminder rows this instance is writing (first attempts) are read with the rest.
    while (this.firstReminders.size) await Promise.all([...this.firstReminders]);
    const days = Array.from({ length: REMINDER_LOOKBACK_DAYS }, (_, i) => new Date(now.getTime() - i * 86_400_000));
    return this.repo.dueReminders(days, now);
  }

  /** The question if it still needs its one reminder: nobody answered and none was sent. */
  async needsReminder(row: DueReminder): Promise<Question | undefined> {
    const q = await this.repo.getQuestion(row, row.questionId);
    return q && q.answerIds.length === 0 && !q.accepted && !q.remindedAt ? q : undefined;
  }

  async markReminded(q: Question): Promise<void> {
    const now = this.clock.now();
    await this.repo.changeQuestion(q, q.questionId, (cur) => (cur && !cur.remindedAt ? { ...cur, remindedAt: now } : undefined));
  }

  async reminderDone(row: DueReminder): Promise<void> {
    await this.repo.removeDue(row.partitionKey, row.rowKey);
  }
}
