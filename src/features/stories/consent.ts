import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import { isApproved, visibilityOf, type Consent, type Person, type Space, type Story } from './model';
import type { StoriesService } from './service';
import { storyStrings as s } from './strings';

/**
 * Consent before retelling, in plain values:
 *
 * - "Ask to retell" (the teller or an organizer of the space: the same people who may change
 *   who sees the story) names the intended use and whom to ask (the teller, or a customer
 *   contact from the conversation). The request is written only once the contact's personal
 *   chat is open, and withdrawn if its card cannot be posted: nothing half-written.
 * - The contact answers Approve or Decline. The buttons carry the request's id and the answer
 *   (set-state): a button of an older request, one the bot never sent, or pressed by someone
 *   else is refused; pressing again changes nothing. The answer is kept with its time.
 * - Only an approved story can be marked `outside` or exported as a quote; withdrawing an
 *   approval (Decline after Approve) brings an `outside` story back to `network`.
 * - "Retell in..." posts an approved or network-visible story elsewhere in the tenant and counts it.
 */
export const MAX_USE_LENGTH = 300;

export type ConsentAnswer = 'approve' | 'decline';

export class ConsentService {
  constructor(
    private readonly stories: StoriesService,
    private readonly clock: Clock,
  ) {}

  /** May this person ask about this story now: it exists, they are its teller or an organizer, nothing is approved yet. */
  async mayAsk(where: Space, storyId: string, requester: Person): Promise<Story> {
    const story = await this.stories.getStory(where, storyId);
    if (!story) throw new UserError(s.notFound);
    if (!(await this.stories.mayCurate(where, story, requester.userId))) throw new UserError(s.notAllowedAsk);
    if (isApproved(story)) throw new UserError(s.alreadyApproved(story.consent?.contact.userName ?? ''));
    return story;
  }

  /** Checks a request before anything is sent: mayAsk, and the use is stated. */
  async prepare(where: Space, storyId: string, requester: Person, use: string): Promise<{ story: Story; use: string }> {
    const story = await this.mayAsk(where, storyId, requester);
    const cleanUse = use.replace(/\s+/g, ' ').trim();
    if (!cleanUse) throw new UserError(s.useMissing);
    if (cleanUse.length > MAX_USE_LENGTH) throw new UserError(s.useTooLong(MAX_USE_LENGTH));
    return { story, use: cleanUse };
  }

  /** Records the request (replacing a pending or declined one: its buttons go stale). */
  async record(where: Space, storyId: string, request: Omit<Consent, 'requestId' | 'state' | 'askedAt'>): Promise<{ story: Story; consent: Consent; previous?: Consent }> {
    const consent: Consent = { ...request, requestId: randomBytes(6).toString('hex'), state: 'asked', askedAt: this.clock.now() };
    let previous: Consent | undefined;
    const story = await this.stories.change(where, storyId, (current) => {
      if (isApproved(current)) throw new UserError(s.alreadyApproved(current.consent?.contact.userName ?? ''));
      previous = current.consent;
      return { ...current, consent };
    });
    return { story, consent, ...(previous ? { previous } : {}) };
  }

  /** The card could not be posted: the request is taken back (only if it is still this one). */
  async withdraw(where: Space, storyId: string, requestId: string, previous: Consent | undefined): Promise<void> {
    await this.stories.change(where, storyId, (current) => {
      if (current.consent?.requestId !== requestId) return undefined;
      const { consent: _dropped, ...rest } = current;
      return previous ? { ...rest, consent: previous } : rest;
    });
  }

  /**
   * The contact's answer. Refused (UserError) when the request is not the story's current one,
   * or the presser is not the person asked. `changed` false: the same answer was given before.
   */
  async answer(where: Space, storyId: string, requestId: string, who: Person, answer: ConsentAnswer): Promise<{ story: Story; consent: Consent; changed: boolean }> {
    let changed = false;
    const story = await this.stories.change(where, storyId, (current) => {
      const c = current.consent;
      if (!c || c.requestId !== requestId) throw new UserError(s.consentStale);
      if (c.contact.userId !== who.userId) throw new UserError(s.consentNotYours(c.contact.userName));
      const state = answer === 'approve' ? 'approved' : 'declined';
      changed = c.state !== state;
      if (!changed) return undefined;
      // Withdrawing consent takes the story back from outside use.
      const visibility = state === 'declined' && visibilityOf(current) === 'outside' ? 'network' : visibilityOf(current);
      return { ...current, visibility, consent: { ...c, state, answeredAt: this.clock.now() } };
    });
    const consent = story.consent;
    if (!consent) throw new Error('the answered consent is missing');
    return { story, consent, changed };
  }

  /** May this story be retold in another conversation: approved, or already visible to the whole network. */
  mayRetell(story: Story): boolean {
    return isApproved(story) || visibilityOf(story) !== 'team';
  }

  /** One more retelling, counted on the original (eTag). */
  async countRetelling(where: Space, storyId: string): Promise<Story> {
    return this.stories.change(where, storyId, (current) => ({ ...current, retellings: (current.retellings ?? 0) + 1 }));
  }
}
