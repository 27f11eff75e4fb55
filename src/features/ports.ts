import type { Conversation, Person } from '../people/model';
import type { FeatureHost } from './feature';

/**
 * Ports between rooms, where the features are composed: a room that offers something to
 * another `provide`s it under a name; the room that uses it looks it up with `portOf` when it
 * needs it (so the order in which features are created does not matter, and a room without
 * the other simply does without). Plain values only: neither side imports the other's insides.
 *
 *   nextCallTopics    The agenda offers, Connect uses: an unanswered question is proposed as a
 *                     topic for the conversation's next call.
 */
export interface NextCallTopics {
  /**
   * Adds a topic to the conversation's next open call, proposed by `who`. Refusals (no call
   * planned, a duplicate topic, the agenda is final) are UserErrors in the agenda's words.
   */
  propose(where: Conversation, who: Person, text: string): Promise<{ callId: string; callTitle: string; topicNumber: number }>;
}

export interface FeaturePorts {
  nextCallTopics: NextCallTopics;
}

const registry = new WeakMap<FeatureHost, Partial<FeaturePorts>>();

export function provide<K extends keyof FeaturePorts>(host: FeatureHost, name: K, port: FeaturePorts[K]): void {
  const ports = registry.get(host) ?? {};
  ports[name] = port;
  registry.set(host, ports);
}

export function portOf<K extends keyof FeaturePorts>(host: FeatureHost, name: K): FeaturePorts[K] | undefined {
  return registry.get(host)?.[name];
}
