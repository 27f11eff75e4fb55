import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../../clock';
import type { ConversationKey } from '../../people/model';
import { key } from '../../store/keys';
import { getEntityOrUndefined, insertIfAbsent, statusOf } from '../../store/tables';
import type { Poster } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import type { CardUpdateCoalescer } from '../agenda/coalescer';
import { runningNoteCard } from './cards';
import type { RunningNotes } from './notes';

/**
 * The one running-note card per occurrence (callnotecards, PK tenant|conversation, RK callId).
 * Posting is claimed by inserting the row first: of any number of starters (the job on every
 * instance, organizers pressing Start call at once) one wins and posts; the others find the
 * row. A claim whose post never completed (a crash) can be taken over after CLAIM_STALE_MS.
 * Updates for everyone go through the agenda's coalescer, paced by the shared update slots
 * (jobs/updateSlots.ts): at most one per card every 2 s across all instances, the last one built
 * from a fresh read after the last note.
 */
export const NOTE_CARDS_TABLE = 'callnotecards';
const CLAIM_STALE_MS = 2 * 60_000;

interface NoteCardRow {
  callId: string;
  status: 'posting' | 'posted';
  activityId?: string;
  claimedAt: number;
  owner: string;
}

export type StartResult = { posted: true; activityId?: string } | { posted: false; reason: 'exists' | 'posting' };

/**
 * How long a conversation found with no running note posted is taken to have none, on this
 * instance (`ask` asks on every question). A running note this instance starts ends it at once;
 * one started on another instance shows here within this time: during it, an `ask` in that
 * conversation becomes a question for the network (its card, suggestions and reminder) instead of
 * joining the call's live queue. Nothing is lost or misattributed; the call's host sees it in the
 * thread rather than on the running note, and only in the first seconds of a call.
 */
export const NO_RUNNING_NOTE_TTL_MS = 5_000;
const QUIET_MAX = 10_000;

export class RunningNoteCards {
  private readonly posted = new Map<string, string>();
  /** Conversations last found with no running note posted, and when (real time). */
  private readonly quiet = new Map<string, number>();
  /** Running notes this instance started: a finding older than the last start is not kept. */
  private starts = 0;

  constructor(
    private readonly table: TableClient,
    private readonly notes: RunningNotes,
    private readonly poster: Poster,
    readonly coalescer: CardUpdateCoalescer,
    private readonly clock: Clock,
    private readonly owner: string,
  ) {}

  private pk(where: ConversationKey): string {
    return key(where.tenantId, where.conversationId);
  }

  /**
   * Whether a running note was recently found missing in this conversation (see
   * NO_RUNNING_NOTE_TTL_MS); `finding` reads and remembers it when it is not.
   */
  async noRunningNote(where: ConversationKey, finding: () => Promise<boolean>): Promise<boolean> {
    const k = this.pk(where);
    const at = this.quiet.get(k);
    if (at !== undefined && Date.now() - at < NO_RUNNING_NOTE_TTL_MS) return true;
    const starts = this.starts;
    const since = Date.now();
    const none = await finding();
    if (!none || starts !== this.starts) return none;
    if (this.quiet.size >= QUIET_MAX) this.quiet.clear();
    this.quiet.set(k, since);
    return true;
  }

  /** Posts the running note for a call unless one exists (or is being posted). */
  async start(where: ConversationKey, callId: string): Promise<StartResult> {
    this.starts++;
    this.quiet.delete(this.pk(where));
    const now = this.clock.now().getTime();
    const row: NoteCardRow = { callId, status: 'posting', claimedAt: now, owner: this.owner };
    const entity = { partitionKey: this.pk(where), rowKey: key(callId), ...row };
    if (!(await insertIfAbsent(this.table, entity))) {
      const current = await getEntityOrUndefined<NoteCardRow>(this.table, this.pk(where), key(callId));
      if (current?.status === 'posted') return { posted: false, reason: 'exists' };
      if (!current || current.claimedAt + CLAIM_STALE_MS > now) return { posted: false, reason: 'posting' };
      try {
        await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
      } catch (err) {
        if (statusOf(err) === 412) return { posted: false, reason: 'posting' };
        throw err;
      }
    }
    let activityId: string | undefined;
    try {
      const view = await this.notes.view(where, callId);
      activityId = await this.poster.post(this.reference(view.call.reference), { card: runningNoteCard(view) });
    } catch (err) {
      // Nothing was posted: release the claim so a later start can post.
      await this.table.deleteEntity(this.pk(where), key(callId)).catch(() => undefined);
      throw err;
    }
    // Posted: the claim stays even if recording the id fails (a second card would be worse than
    // a card that is not updated in place).
    if (activityId) this.posted.set(this.cacheKey(where, callId), activityId);
    this.starts++;
    this.quiet.delete(this.pk(where));
    await this.table.updateEntity({ partitionKey: this.pk(where), rowKey: key(callId), status: 'posted', ...(activityId ? { activityId } : {}) }, 'Merge');
    return { posted: true, activityId };
  }

  /** The activity id of the call's running note, when posted. */
  async activityOf(where: ConversationKey, callId: string): Promise<string | undefined> {
    const k = this.cacheKey(where, callId);
    const known = this.posted.get(k);
    if (known) return known;
    const row = await getEntityOrUndefined<NoteCardRow>(this.table, this.pk(where), key(callId));
    if (row?.status === 'posted' && row.activityId) {
      if (this.posted.size > 10_000) this.posted.clear();
      this.posted.set(k, row.activityId);
      return row.activityId;
    }
    return undefined;
  }

  /** The notes changed: bring the posted running note up to date for everyone (coalesced). */
  async touch(where: ConversationKey, callId: string): Promise<void> {
    const activityId = await this.activityOf(where, callId);
    if (!activityId) return;
    this.coalescer.touch({ partitionKey: key(where.tenantId, where.conversationId), rowKey: key(activityId) }, async () => {
      const view = await this.notes.view(where, callId);
      await this.poster.update(this.reference(view.call.reference), activityId, { card: runningNoteCard(view) });
    });
  }

  private reference(json: string) {
    const ref = parseReference(json);
    if (!ref) throw new Error('stored conversation reference is not readable');
    return ref;
  }

  private cacheKey(where: ConversationKey, callId: string): string {
    return `${where.tenantId}|${where.conversationId}|${callId}`;
  }
}
