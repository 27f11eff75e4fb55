import { z } from 'zod';
import type { ConversationRef } from './door';

/** Reading a stored ConversationRef back (SDK-free, so services and repos may use it). */
const storedRef = z.object({
  channelId: z.string().min(1),
  serviceUrl: z.string().min(1),
  conversation: z.object({ id: z.string().min(1), tenantId: z.string().optional(), conversationType: z.string().optional(), isGroup: z.boolean().optional() }),
  bot: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  locale: z.string().optional(),
});

/** A stored reference read back (JSON text or an object); undefined when it is not one. */
export function parseReference(stored: unknown): ConversationRef | undefined {
  let value = stored;
  if (typeof stored === 'string') {
    try {
      value = JSON.parse(stored);
    } catch {
      return undefined;
    }
  }
  const parsed = storedRef.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
