import { createHash } from 'node:crypto';
import type { ConversationKey } from '../../people/model';
import { key } from '../../store/keys';
import type { ConversationRef, Poster, Reply } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import type { AdaptiveCard } from '../../cards/types';
import { agendaCard, agendaMovedCard, type Audience, type Notice } from './cards';
import type { CardUpdateCoalescer } from './coalescer';
import type { CardRow } from './repo';
import type { AgendaService } from './service';

/**
 * The shared agenda cards in conversations. ONE LIVE COPY PER CALL: posting the agenda again
 * turns the earlier copies into a short pointer to the newest, so no copy ever shows old counts
 * and only one card needs updating. The shared card is the same for everyone (no notice, no
 * personal marks) and carries `refresh` with the conversation's members, so Teams shows each
 * of them their own view (src/features/agenda/cards.ts). An update is sent only when the
 * shared card actually changed. Only cards this feature posted are ever updated: a forged
 * replyToId changes nothing.
 */
export const UPDATE_INTERVAL_MS = 2000;

const digest = (c: AdaptiveCard): string => createHash('sha1').update(JSON.stringify(c)).digest('base64');

export class LiveCards {
  private readonly known = new Set<string>();
  private readonly lookups = new Map<string, Promise<string | undefined>>();
  /** What each posted card shows now (a hash), so an update that changes nothing is not sent. */
  private readonly shown = new Map<string, string>();
  /** Updates skipped because nothing changed (tests, logs). */
  skipped = 0;

  constructor(
    private readonly service: AgendaService,
    private readonly poster: Poster,
    readonly coalescer: CardUpdateCoalescer,
  ) {}

  /** Who gets user-specific views of the shared card in this conversation. */
  async audience(reference: ConversationRef): Promise<Audience> {
    return { userIds: await this.poster.audience(reference) };
  }

  /** The shared card of a call, as everyone sees it. */
  async sharedCard(where: ConversationKey, callId: string, reference: ConversationRef): Promise<AdaptiveCard> {
    const [view, audience] = await Promise.all([this.service.agendaView(where, callId), this.audience(reference)]);
    return agendaCard(view, undefined, undefined, audience);
  }

  /**
   * Posts the live agenda card of `callId` in this turn's conversation, and retires the earlier
   * copies. A notice goes in a line of its own (the card itself is everyone's).
   */
  async post(reply: Reply, where: ConversationKey & { reference: ConversationRef }, callId: string, notice?: Notice): Promise<void> {
    const c = await this.sharedCard(where, callId, where.reference);
    // The notice as its own line: a message with text and a card is not always given an id to
    // update later (the Agents Playground answers none), and the card must stay updatable.
    if (notice) await reply.text(notice.text);
    const id = await reply.card(c);
    if (id) {
      this.remember(this.shownKey(where, id), digest(c));
      await this.register(where, callId, id, where.reference);
      await this.retireOlder(where, callId, id);
    }
  }

  /** The `call new` form message becomes the call's live card, for everyone. */
  async replaceForm(where: ConversationKey & { reference: ConversationRef }, callId: string, formId: string): Promise<void> {
    const c = await this.sharedCard(where, callId, where.reference);
    await this.poster.update(where.reference, formId, { card: c });
    this.remember(this.shownKey(where, formId), digest(c));
    await this.register(where, callId, formId, where.reference);
  }

  /** Posts outside a turn (the scheduled job), to the reference stored with the call. */
  async postProactive(where: ConversationKey, callId: string, referenceJson: string, notice?: Notice): Promise<void> {
    const reference = this.referenceFrom(referenceJson);
    const c = await this.sharedCard(where, callId, reference);
    if (notice) await this.poster.post(reference, { text: notice.text });
    const id = await this.poster.post(reference, { card: c });
    if (id) {
      this.remember(this.shownKey(where, id), digest(c));
      await this.register(where, callId, id, reference);
      await this.retireOlder(where, callId, id);
    }
  }

  /** Posts any card (a recap) outside a turn; not registered, since it never changes. */
  async postCardProactive(referenceJson: string, c: AdaptiveCard): Promise<void> {
    await this.poster.post(this.referenceFrom(referenceJson), { card: c });
  }

  async register(where: ConversationKey, callId: string, activityId: string, reference: ConversationRef): Promise<void> {
    await this.service.repo.registerCard(where, { callId, activityId, reference: JSON.stringify(reference), postedAt: Date.now() });
    this.known.add(this.cardKey(where, callId, activityId));
    if (this.known.size > 10_000) this.known.clear();
  }

  private referenceFrom(json: string): ConversationRef {
    const reference = parseReference(json);
    if (!reference) throw new Error('stored conversation reference is not readable');
    return reference;
  }

  private remember(k: string, hash: string): void {
    if (this.shown.size > 10_000) this.shown.clear();
    this.shown.set(k, hash);
  }

  /** The card someone pressed changed: bring it up to date for everyone, if it is one of ours. */
  async touch(where: ConversationKey, callId: string, activityId: string | undefined): Promise<void> {
    if (!activityId) return;
    const k = this.cardKey(where, callId, activityId);
    if (!this.known.has(k)) {
      // Many clicks on a card this process has not seen yet share one lookup.
      let lookup = this.lookups.get(k);
      if (!lookup) {
        lookup = this.service.repo.getCard(where, callId, activityId).then((row) => row?.reference);
        this.lookups.set(k, lookup);
        void lookup.finally(() => this.lookups.delete(k)).catch(() => undefined);
      }
      if (!(await lookup)) return;
      this.known.add(k);
    }
    this.schedule(where, callId);
  }

  /** The call changed for everyone (new topic, finalised, ended): update its live card. */
  async touchAll(where: ConversationKey, callId: string): Promise<void> {
    this.schedule(where, callId);
  }

  /** The newest registered card of the call is the live one; the others are pointers. */
  private async cards(where: ConversationKey, callId: string): Promise<{ live?: CardRow; older: CardRow[] }> {
    const rows = (await this.service.repo.listCards(where, callId)).sort((a, b) => b.postedAt - a.postedAt);
    return { live: rows[0], older: rows.slice(1) };
  }

  private async retireOlder(where: ConversationKey, callId: string, liveId: string): Promise<void> {
    const { older } = await this.cards(where, callId);
    const view = await this.service.agendaView(where, callId);
    for (const row of older) {
      if (row.activityId === liveId) continue;
      await this.send(where, row, agendaMovedCard(view.call));
    }
  }

  /** Sends `c` to a posted card unless it already shows exactly that. */
  private async send(where: ConversationKey, row: CardRow, c: AdaptiveCard): Promise<void> {
    const k = this.shownKey(where, row.activityId);
    const hash = digest(c);
    if (this.shown.get(k) === hash) {
      this.skipped++;
      return;
    }
    await this.poster.update(this.referenceFrom(row.reference), row.activityId, { card: c });
    this.remember(k, hash);
  }

  private schedule(where: ConversationKey, callId: string): void {
    // One coalesced update per call: the live copy is the only one that changes. Its pacing slot
    // (across instances) is one row per call, in its tenant and conversation's partition.
    this.coalescer.touch({ partitionKey: key(where.tenantId, where.conversationId), rowKey: key(callId) }, async () => {
      const { live } = await this.cards(where, callId);
      if (!live) return;
      await this.send(where, live, await this.sharedCard(where, callId, this.referenceFrom(live.reference)));
    });
  }

  private shownKey(where: ConversationKey, activityId: string): string {
    return `${where.tenantId}|${where.conversationId}|${activityId}`;
  }

  private cardKey(where: ConversationKey, callId: string, activityId: string): string {
    return `${where.tenantId}|${where.conversationId}|${callId}|${activityId}`;
  }
}
