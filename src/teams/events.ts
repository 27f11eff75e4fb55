import { EventEmitter } from 'node:events';

/** In-process notifications between features (the registry tells digest a conversation is gone). */
export interface BotEventMap {
  conversationRemoved: { tenantId: string; conversationIds: string[]; reason: string };
  /** A note was added to a call by a typed command (the running note shows it). */
  noteAdded: { tenantId: string; conversationId: string; callId: string };
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
