import type { ConversationKey } from '../../people/model';
import type { ConversationRef, Poster, Reply } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import type { AdaptiveCard } from '../../cards/types';
import { agendaCard, type Notice } from './cards';
import type { CardUpdateCoalescer } from './coalescer';
import type { AgendaService } from './service';

/**
 * The shared agenda cards in conversations: posting one (and remembering its activity id, so
 * it can be updated), and updating the posted cards when votes or topics change, coalesced.
 * Only cards this feature posted are ever updated: a forged replyToId changes nothing.
 */
export const UPDATE_INTERVAL_MS = 2000;
/** Cards per call kept fresh after a topic or status change (the most recent ones). */
const CARDS_REFRESHED = 3;

export class LiveCards {
  private readonly known = new Set<string>();
  private readonly lookups = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly service: AgendaService,
    private readonly poster: Poster,
    readonly coalescer: CardUpdateCoalescer,
  ) {}

  /** Posts the live agenda card of `callId` in this turn's conversation. */
  async post(reply: Reply, where: ConversationKey & { reference: ConversationRef }, callId: string, notice?: Notice): Promise<void> {
    const view = await this.service.agendaView(where, callId);
    const id = await reply.card(agendaCard(view, notice));
    if (id) await this.register(where, callId, id, where.reference);
  }

  /** The `call new` form message becomes the call's live card, for everyone. */
  async replaceForm(where: ConversationKey & { reference: ConversationRef }, callId: string, formId: string): Promise<void> {
    const view = await this.service.agendaView(where, callId);
    await this.poster.update(where.reference, formId, { card: agendaCard(view) });
    await this.register(where, callId, formId, where.reference);
  }

  /** Posts outside a turn (the scheduled job), to the reference stored with the call. */
  async postProactive(where: ConversationKey, callId: string, referenceJson: string, notice?: Notice): Promise<void> {
    const reference = this.referenceFrom(referenceJson);
    const view = await this.service.agendaView(where, callId);
    const id = await this.poster.post(reference, { card: agendaCard(view, notice) });
    if (id) await this.register(where, callId, id, reference);
  }

  /** Posts any card (a recap) outside a turn; not registered, since it never changes. */
  async postCardProactive(referenceJson: string, c: AdaptiveCard): Promise<void> {
    await this.poster.post(this.referenceFrom(referenceJson), { card: c });
  }

  async register(where: ConversationKey, callId: string, activityId: string, reference: ConversationRef): Promise<void> {
    await this.service.repo.registerCard(where, { callId, activityId, reference: JSON.stringify(reference), postedAt: Date.now() });
    this.remember(this.cardKey(where, callId, activityId));
  }

  private referenceFrom(json: string): ConversationRef {
    const reference = parseReference(json);
    if (!reference) throw new Error('stored conversation reference is not readable');
    return reference;
  }

  private remember(k: string): void {
    if (this.known.size > 10_000) this.known.clear();
    this.known.add(k);
  }

  /** The card someone pressed changed: update it for everyone, if it is one of ours. */
  async touch(where: ConversationKey, callId: string, activityId: string | undefined): Promise<void> {
    if (!activityId) return;
    const k = this.cardKey(where, callId, activityId);
    let referenceJson: string | undefined;
    if (!this.known.has(k)) {
      // Many clicks on a card this process has not seen yet share one lookup.
      let lookup = this.lookups.get(k);
      if (!lookup) {
        lookup = this.service.repo.getCard(where, callId, activityId).then((row) => row?.reference);
        this.lookups.set(k, lookup);
        void lookup.finally(() => this.lookups.delete(k)).catch(() => undefined);
      }
      referenceJson = await lookup;
      if (!referenceJson) return;
      this.remember(k);
    }
    this.schedule(where, callId, activityId, referenceJson);
  }

  /** The call changed for everyone (new topic, finalised, ended): update its latest cards. */
  async touchAll(where: ConversationKey, callId: string): Promise<void> {
    const rows = (await this.service.repo.listCards(where, callId)).sort((a, b) => b.postedAt - a.postedAt).slice(0, CARDS_REFRESHED);
    for (const row of rows) this.schedule(where, callId, row.activityId, row.reference);
  }

  private schedule(where: ConversationKey, callId: string, activityId: string, referenceJson: string | undefined): void {
    this.coalescer.touch(`${where.tenantId}|${where.conversationId}|${activityId}`, async () => {
      const ref = referenceJson ?? (await this.service.repo.getCard(where, callId, activityId))?.reference;
      if (!ref) return;
      referenceJson = ref;
      const view = await this.service.agendaView(where, callId);
      await this.poster.update(this.referenceFrom(ref), activityId, { card: agendaCard(view) });
    });
  }

  private cardKey(where: ConversationKey, callId: string, activityId: string): string {
    return `${where.tenantId}|${where.conversationId}|${callId}|${activityId}`;
  }
}
