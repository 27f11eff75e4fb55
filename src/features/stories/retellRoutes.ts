import { z } from 'zod';
import { isUserError, UserError } from '../../errors';
import { errorFields, type Logger } from '../../log';
import type { ConversationRef, DialogAnswer, RosterMember, Turn } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import { ConversationRepo, CONVERSATIONS_TABLE } from '../conversations/repo';
import type { FeatureHost } from '../feature';
import { askDialog, consentCard, deletedCard, originalCard, retellDialog, retoldCard, VERB } from './cards';
import { MAX_USE_LENGTH } from './consent';
import { STORY_ID, type Consent, type Story } from './model';
import { networkCopy } from './network';
import { personOf, spaceOf } from './replies';
import type { StoryViews } from './routes';
import { storyStrings as s } from './strings';

/**
 * Consent and retelling in Teams: the "Ask to retell" dialog, the contact's Approve / Decline
 * card in their personal chat, and the "Retell in…" dialog (consent.ts holds the rules).
 */
const storyData = z.object({ storyId: z.string().regex(STORY_ID) });
const askSubmit = storyData.extend({ use: z.string().max(MAX_USE_LENGTH * 4).optional().default(''), contact: z.string().min(1).max(200) });
const retellSubmit = storyData.extend({ target: z.string().min(1).max(400) });
/** The contact's answer: the story's space (the card is answered in a personal chat), the request it answers, set-state. */
const consentData = storyData.extend({ s: z.string().min(1).max(400), r: z.string().regex(/^[0-9a-f]{12}$/), answer: z.enum(['approve', 'decline']) });
const originalData = storyData.extend({ s: z.string().min(1).max(400) });
const strings = { badData: s.badRequest };

/** Most conversations whose roster is read for "Retell in…" (each is one request to Teams). */
const MAX_TARGETS = 20;

const dialog = (title: string, card: ReturnType<typeof askDialog>): DialogAnswer => ({ dialog: { title, card, width: 'medium', height: 'medium' } });

/** A refusal in plain words closes the dialog with its text; anything else is the edge's business. */
async function plainly(run: () => Promise<DialogAnswer>): Promise<DialogAnswer> {
  try {
    return await run();
  } catch (err) {
    if (isUserError(err)) return { text: err.message };
    throw err;
  }
}

export function registerRetelling(host: FeatureHost, views: StoryViews): void {
  const { door, poster } = host;
  const { service, consent } = views;
  const conversations = new ConversationRepo(host.store.table(CONVERSATIONS_TABLE));

  const rosterOf = async (ref: ConversationRef, log: Logger): Promise<RosterMember[] | undefined> => {
    try {
      return await poster.members(ref);
    } catch (err) {
      log.info('story.roster_unavailable', errorFields(err));
      return undefined;
    }
  };

  // ---- Ask to retell --------------------------------------------------------------------------
  door.cardDialog({
    verb: VERB.ask,
    strings,
    fetchSchema: storyData,
    async fetch(turn, data, reply) {
      return plainly(async () => {
        const story = await consent.mayAsk(spaceOf(turn), data.storyId, personOf(turn));
        const roster = (await rosterOf(turn.reference, reply.log)) ?? [];
        return dialog(s.askDialogTitle, askDialog(story, roster.map((m) => ({ userId: m.userId, userName: m.name }))));
      });
    },
    submitSchema: askSubmit,
    async submit(turn, data, reply) {
      return plainly(async () => {
        const where = spaceOf(turn);
        const { story, use } = await consent.prepare(where, data.storyId, personOf(turn), data.use);
        // The teller, or someone in this conversation: a contact the dialog never offered is refused.
        let contact = data.contact === story.teller.userId ? story.teller : undefined;
        if (!contact) {
          const member = (await rosterOf(turn.reference, reply.log))?.find((m) => m.userId === data.contact);
          if (!member) return { text: s.contactUnknown };
          contact = { userId: member.userId, userName: member.name };
        }
        // The chat first: if Teams will not open it, nothing is recorded.
        let chat: ConversationRef;
        try {
          chat = await poster.openPersonalChat(turn.reference, contact.userId);
        } catch (err) {
          reply.log.info('story.consent_chat_unavailable', errorFields(err));
          return { text: s.cannotReach(contact.userName) };
        }
        const recorded = await consent.record(where, story.storyId, { contact, requester: personOf(turn), use, requesterRef: JSON.stringify(turn.reference) });
        try {
          await poster.post(chat, { card: consentCard(recorded.story, recorded.consent) });
        } catch (err) {
          reply.log.warn('story.consent_not_sent', errorFields(err));
          await consent.withdraw(where, story.storyId, recorded.consent.requestId, recorded.previous);
          return { text: s.cannotReach(contact.userName) };
        }
        reply.log.info('story.consent_asked', { storyId: story.storyId, teller: contact.userId === story.teller.userId });
        return { text: s.asked(contact.userName) };
      });
    },
  });

  // ---- the contact's answer -----------------------------------------------------------------
  /** The requester hears the answer in their personal chat, or where they asked when it cannot be opened. */
  const tellRequester = async (c: Consent, text: string, log: Logger): Promise<void> => {
    const origin = c.requesterRef ? parseReference(c.requesterRef) : undefined;
    if (!origin) return;
    let chat: ConversationRef = origin;
    try {
      chat = await poster.openPersonalChat(origin, c.requester.userId);
    } catch (err) {
      log.info('story.requester_chat_unavailable', errorFields(err));
    }
    try {
      await poster.post(chat, { text });
    } catch (err) {
      // The answer is recorded; telling is a courtesy that failed.
      log.warn('story.requester_not_told', errorFields(err));
    }
  };

  door.cardAction({
    verb: VERB.consent,
    schema: consentData,
    strings,
    async handle(turn, data, reply) {
      const where = { tenantId: turn.tenantId, spaceId: data.s };
      const { story, consent: c, changed } = await consent.answer(where, data.storyId, data.r, personOf(turn), data.answer);
      reply.log.info('story.consent_answered', { storyId: story.storyId, answer: c.state, changed });
      if (changed) await tellRequester(c, s.consentToldRequester(c.contact.userName, c.state === 'approved', c.use), reply.log);
      const notice = { text: !changed ? s.consentUnchanged : c.state === 'approved' ? s.consentApproved : s.consentDeclined, tone: 'good' as const };
      return { card: consentCard(story, c, notice), notice, unchanged: !changed };
    },
  });

  // The retold card's link to its original: the original as other teams may see it now (its
  // space is in the data; the tenant is the presser's, so another tenant's story is never read).
  door.cardAction({
    verb: VERB.original,
    schema: originalData,
    strings,
    async handle(turn, data) {
      const story = await service.getStory({ tenantId: turn.tenantId, spaceId: data.s }, data.storyId);
      if (!story) return { card: deletedCard() };
      // Only a story that may be retold was: one narrowed since shows no more than that it exists.
      if (!consent.mayRetell(story) && data.s !== turn.spaceId) return { text: s.originalNotShared };
      return { card: originalCard(networkCopy(story)) };
    },
  });

  // ---- Retell in… -----------------------------------------------------------------------------
  /** Conversations of this tenant, other than this one, where the bot is and the person is a member. */
  const targetsFor = async (turn: Turn, log: Logger): Promise<{ conversationId: string; label: string; reference: ConversationRef }[]> => {
    const active = (await conversations.listActive(turn.tenantId)).filter((c) => c.conversationId !== turn.conversationId && c.conversationType !== 'personal' && c.reference.serviceUrl);
    const checked = await Promise.all(
      active.slice(0, MAX_TARGETS).map(async (c) => {
        const roster = await rosterOf(c.reference, log);
        return roster?.some((m) => m.userId === turn.userId) ? { conversationId: c.conversationId, label: s.conversationLabel(c.conversationType, c.conversationId), reference: c.reference } : undefined;
      }),
    );
    return checked.filter((t): t is NonNullable<typeof t> => t !== undefined);
  };

  const retellable = async (turn: Turn, storyId: string): Promise<Story> => {
    const story = await service.getStory(spaceOf(turn), storyId);
    if (!story) throw new UserError(s.notFound);
    if (!consent.mayRetell(story)) throw new UserError(s.retellNotAllowed);
    return story;
  };

  door.cardDialog({
    verb: VERB.retell,
    strings,
    fetchSchema: storyData,
    async fetch(turn, data, reply) {
      return plainly(async () => {
        const story = await retellable(turn, data.storyId);
        const targets = await targetsFor(turn, reply.log);
        if (targets.length === 0) return { text: s.retellNowhere };
        return dialog(s.retellDialogTitle, retellDialog(story, targets));
      });
    },
    submitSchema: retellSubmit,
    async submit(turn, data, reply) {
      return plainly(async () => {
        const story = await retellable(turn, data.storyId);
        // Checked again: a target the dialog did not offer (forged, or the person left it) is refused.
        const target = (await targetsFor(turn, reply.log)).find((t) => t.conversationId === data.target);
        if (!target) return { text: s.retellTargetUnknown };
        try {
          await poster.post(target.reference, { card: retoldCard(networkCopy(story), turn.userName) });
        } catch (err) {
          reply.log.warn('story.retell_failed', errorFields(err));
          return { text: s.retellFailed };
        }
        const counted = await consent.countRetelling(spaceOf(turn), story.storyId);
        reply.log.info('story.retold', { storyId: story.storyId, retellings: counted.retellings ?? 0 });
        return { text: s.retold };
      });
    },
  });
}
