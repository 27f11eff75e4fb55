import { z } from 'zod';
import type { RunClaims } from '../../jobs/claims';
import { errorFields, type Logger } from '../../log';
import type { ConversationRef } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import type { FeatureHost } from '../feature';
import { chatLink, introCard, VERB } from './cards';
import { FOLLOW_UP_DAYS, type Introduction, type Introductions } from './introductions';
import { connectStrings as s } from './strings';

/**
 * Introductions in Teams: "Introduce me" (who knows card), the card in the person's personal
 * chat (Happy to talk / Not now), and the follow-up job 14 days after a "yes".
 */
export const INTRO_FOLLOW_UP_JOB = 'connect.intro-follow-up';
const LEASE_MS = 5 * 60_000;
const introduceData = z.object({ personId: z.string().min(1).max(200), themes: z.string().min(1).max(400) });
const replyData = z.object({ s: z.string().min(1).max(400), r: z.string().min(1).max(200), answer: z.enum(['yes', 'no']) });
const strings = { badData: s.badRequest };

function refOf(json: string): ConversationRef {
  const ref = parseReference(json);
  if (!ref) throw new Error('stored chat is not a reference');
  return ref;
}

export function registerIntroductions(host: FeatureHost, intros: Introductions, claims: RunClaims): void {
  const { door, poster } = host;
  /** The person's personal chat, opened from a reference's service; undefined when Teams refuses. */
  const openChat = async (at: ConversationRef, userId: string, log: Logger): Promise<ConversationRef | undefined> => {
    try {
      return await poster.openPersonalChat(at, userId);
    } catch (err) {
      log.info('connect.chat_unavailable', errorFields(err));
      return undefined;
    }
  };

  door.cardAction({
    verb: VERB.introduce,
    schema: introduceData,
    strings,
    async handle(turn, data, reply) {
      const origin = turn.reference;
      const themes = data.themes.split(',').map((t) => t.trim()).filter(Boolean).slice(0, 5);
      const intro = await intros.request({ tenantId: turn.tenantId, spaceId: turn.spaceId }, { userId: turn.userId, userName: turn.userName }, data.personId, themes, JSON.stringify(origin));
      const chat = await openChat(origin, intro.person.userId, reply.log);
      try {
        if (!chat) throw new Error('no personal chat');
        await poster.post(chat, { card: introCard(intro) });
      } catch (err) {
        reply.log.warn('connect.intro_not_sent', errorFields(err));
        // Nothing half-written: the introduction is forgotten, the requester told plainly.
        await intros.abandon(intro);
        return { text: s.introCannotReach(intro.person.userName) };
      }
      await intros.opened(intro, JSON.stringify(chat));
      reply.log.info('connect.intro_requested', { themes: themes.length });
      return { text: s.introSent(intro.person.userName) };
    },
  });

  /** The requester hears back in their personal chat, or where they asked when the bot cannot open one. */
  const tellRequester = async (intro: Introduction, text: string, log: Logger): Promise<void> => {
    let chat = intro.requesterChat ? refOf(intro.requesterChat) : await openChat(refOf(intro.origin), intro.requester.userId, log);
    if (chat && !intro.requesterChat) await intros.setRequesterChat(intro, JSON.stringify(chat));
    chat ??= refOf(intro.origin);
    await poster.post(chat, { text });
  };

  door.cardAction({
    verb: VERB.introReply,
    schema: replyData,
    strings,
    async handle(turn, data, reply) {
      const { intro, changed } = await intros.respond({ tenantId: turn.tenantId, spaceId: data.s }, data.r, { userId: turn.userId, userName: turn.userName }, data.answer === 'yes' ? 'accepted' : 'declined');
      if (intro.status === 'declined') return { text: s.introDeclined };
      if (changed) await tellRequester(intro, s.introAccepted(intro.person.userName, chatLink(intro.person.userId)), reply.log);
      return { text: s.introAcceptedForPerson(intro.requester.userName, chatLink(intro.requester.userId)) };
    },
  });

  door.job({
    name: INTRO_FOLLOW_UP_JOB,
    async run(now) {
      for (const due of await intros.dueFollowUps(now)) {
        const run = { tenantId: due.tenantId, job: INTRO_FOLLOW_UP_JOB, scope: due.spaceId, runKey: `${due.requesterId}|${due.personId}` };
        if (!(await claims.claim(run, now, LEASE_MS))) continue;
        try {
          const intro = await intros.get(due, due.requesterId, due.personId);
          if (intro?.status === 'accepted' && !intro.followedUp) {
            await Promise.all([
              intro.personChat ? poster.post(refOf(intro.personChat), { text: s.introFollowUp(intro.requester.userName) }) : undefined,
              tellRequester(intro, s.introFollowUp(intro.person.userName), host.log),
            ]);
            await intros.followedUp(intro, due);
            host.log.info('connect.intro_followed_up', { tenantId: due.tenantId, days: FOLLOW_UP_DAYS });
          }
          await claims.complete(run, now);
        } catch (err) {
          // One attempt: a chat that refuses the post would refuse it at every tick.
          host.log.error('connect.intro_follow_up_failed', { tenantId: due.tenantId, ...errorFields(err) });
          await intros.dropDue(due);
          await claims.fail(run, now, 'error').catch(() => undefined);
        }
      }
    },
  });
}
