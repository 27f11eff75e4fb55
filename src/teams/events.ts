import { EventEmitter } from 'node:events';

/**
 * Someone took part in a space: told a story, proposed a topic, voted, wrote a note, found a
 * story inspiring, asked or answered a question. Emitted by the feature where it happened (after
 * it is saved); insights keeps its counters from these, as they happen. Plain values only.
 */
export interface Contribution {
  tenantId: string;
  spaceId: string;
  /** The person's user id (as Turn.userId) and display name. */
  personId: string;
  name: string;
  kind: 'story' | 'topic' | 'vote' | 'note' | 'endorse' | 'question' | 'answer' | 'attended';
  at: Date;
  /** topic, vote, note, attended: the call (occurrence) it belongs to. */
  call?: { callId: string; title?: string };
  /** story (told or endorsed): which one. */
  story?: { storyId: string; text?: string; tellerName?: string };
  /** story: saved anonymised. Nobody is credited with it by name (who knows), and its customer is not named. */
  anonymous?: boolean;
  /** story, question: themes; customer and stated value of a story. */
  themes?: string[];
  customer?: string;
  value?: { kind: string; amount: number; unit: string; per?: string; basis: 'estimated' | 'measured'; text: string };
  /** topic, note: the words, for Connect to tag with themes (never logged). */
  text?: string;
  /** answer: when the question was asked, if this is its first answer (time to first answer). */
  firstAnswerTo?: { askedAt: Date };
  /** attended: emitted once per person per occurrence (the attendance row's first write);
   *  true when it is the person's first call in this space. */
  firstTime?: boolean;
}

/** In-process notifications between features (the registry tells digest a conversation is gone). */
export interface BotEventMap {
  conversationRemoved: { tenantId: string; conversationIds: string[]; reason: string };
  contributed: Contribution;
  /** A note was added to a call by a typed command (the running note shows it). */
  noteAdded: { tenantId: string; conversationId: string; callId: string };
  /** A story's text was edited: lists that quote it (Connect's theme shortlists) follow. Never logged. */
  storyEdited: { tenantId: string; spaceId: string; storyId: string; text: string; themes: string[]; formerThemes: string[] };
  /**
   * A contribution was taken back (a topic deleted by its proposer or an organizer): counters
   * take it off the day it was counted on (`at`, when it was made). The person still took part
   * that day, so they stay counted as active.
   */
  contributionWithdrawn: { tenantId: string; spaceId: string; personId: string; kind: 'topic' | 'vote'; at: Date };
}

export class BotEvents {
  private readonly emitter = new EventEmitter();
  private readonly pending = new Set<Promise<unknown>>();

  on<K extends keyof BotEventMap>(name: K, listener: (event: BotEventMap[K]) => Promise<void>): void {
    this.emitter.on(name, (event: BotEventMap[K]) => {
      const p = listener(event).catch(() => undefined);
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    });
  }

  /** Emits and waits for every listener, so a turn does not end before its consequences are stored. */
  async emit<K extends keyof BotEventMap>(name: K, event: BotEventMap[K]): Promise<void> {
    this.emitter.emit(name, event);
    await Promise.all([...this.pending]);
  }
}
