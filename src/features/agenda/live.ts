import { CardFactory, MessageFactory, type ConversationReference, type TurnContext } from 'botbuilder';
import type { Proactive } from '../../teams/proactive';
import { referenceOf } from '../../teams/turn';
import type { AdaptiveCard } from '../../cards/types';
import { agendaCard, type Notice } from './cards';
import { CardUpdateCoalescer } from './coalescer';
import type { Place } from './repo';
import type { AgendaService } from './service';

/**
 * The shared agenda cards in conversations: posting one (and remembering its activity id, so
 * it can be updated), and updating the posted cards when votes or topics change, coalesced.
 * Only cards this feature posted are ever updated: a forged replyToId changes nothing.
 */
export const UPDATE_INTERVAL_MS = 2000;
/** Cards per call kept fresh after a topic or status change (the most recent ones). */
const CARDS_REFRESHED = 3;

export function cardActivity(c: AdaptiveCard): ReturnType<typeof MessageFactory.attachment> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(c));
}

export class LiveCards {
  private readonly known = new Set<string>();
  private readonly lookups = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly service: AgendaService,
    private readonly proactive: Proactive,
    readonly coalescer: CardUpdateCoalescer,
  ) {}

  /** Posts the live agenda card of `callId` in this turn's conversation. */
  async post(context: TurnContext, where: Place, callId: string, notice?: Notice): Promise<void> {
    const view = await this.service.agendaView(where, callId);
    const response = await context.sendActivity(cardActivity(agendaCard(view, notice)));
    if (response?.id) await this.register(where, callId, response.id, referenceOf(context));
  }

  /** Posts outside a turn (the scheduled job), to the reference stored with the call. */
  async postProactive(where: Place, callId: string, referenceJson: string, notice?: Notice): Promise<void> {
    const reference = JSON.parse(referenceJson) as Partial<ConversationReference>;
    const view = await this.service.agendaView(where, callId);
    const response = await this.proactive.send(reference, cardActivity(agendaCard(view, notice)));
    if (response?.id) await this.register(where, callId, response.id, reference);
  }

  /** Posts any card (a recap) outside a turn; not registered, since it never changes. */
  async postCardProactive(referenceJson: string, c: AdaptiveCard): Promise<void> {
    await this.proactive.send(JSON.parse(referenceJson) as Partial<ConversationReference>, cardActivity(c));
  }

  async register(where: Place, callId: string, activityId: string, reference: Partial<ConversationReference>): Promise<void> {
    await this.service.repo.registerCard(where, { callId, activityId, reference: JSON.stringify(reference), postedAt: Date.now() });
    this.remember(this.cardKey(where, callId, activityId));
  }

  private remember(k: string): void {
    if (this.known.size > 10_000) this.known.clear();
    this.known.add(k);
  }

  /** The card someone pressed changed: update it for everyone, if it is one of ours. */
  async touch(where: Place, callId: string, activityId: string | undefined): Promise<void> {
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
  async touchAll(where: Place, callId: string): Promise<void> {
    const rows = (await this.service.repo.listCards(where, callId)).sort((a, b) => b.postedAt - a.postedAt).slice(0, CARDS_REFRESHED);
    for (const row of rows) this.schedule(where, callId, row.activityId, row.reference);
  }

  private schedule(where: Place, callId: string, activityId: string, referenceJson: string | undefined): void {
    this.coalescer.touch(`${where.tenantId}|${where.conversationId}|${activityId}`, async () => {
      const ref = referenceJson ?? (await this.service.repo.getCard(where, callId, activityId))?.reference;
      if (!ref) return;
      referenceJson = ref;
      const view = await this.service.agendaView(where, callId);
      await this.proactive.update(JSON.parse(ref) as Partial<ConversationReference>, activityId, cardActivity(agendaCard(view)));
    });
  }

  private cardKey(where: Place, callId: string, activityId: string): string {
    return `${where.tenantId}|${where.conversationId}|${callId}|${activityId}`;
  }
}
