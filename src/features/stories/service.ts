/**
 * Stories: the use cases (capture, endorse, tag, delete, library, themes) in plain values.
 *
 * Stable API for other features (the digest reads from here):
 *   - `new StoriesService(store, clock)`
 *   - `storiesBetween(tenantId, spaceId, from, to): Promise<StorySummary[]>` stories created in
 *     [from, to), newest first; a row-key range on newest-first keys, older stories are not read.
 *   - `mostEndorsed(tenantId, spaceId, limit): Promise<StorySummary[]>` most endorsed first
 *     (ties newest first), from the endorsed index; stories nobody endorsed are not listed.
 *   - `StorySummary` (model.ts): { storyId, text, tellerName, tellerId, customer?, themes, tags,
 *     endorsements, createdAt, conversationId }.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Store } from '../../store/tables';
import { retryOnConflict } from '../../store/etag';
import { ContributionsRepo, CONTRIBUTIONS_TABLE } from '../../people/contributions';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../people/organizers';
import { pageOf, queryTerms, rank, tagAlternatives, type LibraryPage } from './library';
import { allTags, isApproved, summaryOf, visibilityOf, type Person, type Space, type Story, type StorySummary, type Visibility } from './model';
import { NetworkIndex, sharesWithNetwork, STORY_NETWORK_TABLE } from './network';
import { termsOf, textHashOf } from './storyText';
import { hashtagsIn, MAX_STORY_LENGTH, MAX_TAGS, normaliseTag, unique } from './parse';
import { newStoryId, StoriesRepo, STORIES_TABLE, type StoredStory } from './repo';
import { storyStrings as s } from './strings';
import type { Theme } from './taxonomy';
import { lemmasOf } from './themes';
import { CorrectionsRepo, THEME_CORRECTIONS_TABLE, ThemeTagger, defaultThemesOf, type ThemeScore } from '../../themes';
import { SpaceThemes, type SpaceTaxonomy } from './spaceThemes';
import { ThemesRepo, STORY_THEMES_TABLE } from './themesRepo';

export type { StorySummary } from './model';

export const DUPLICATE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
/** The library searches words over at most this many of the newest stories (a #tag reads that tag's rows). */
export const SEARCH_WINDOW = 2000;
export const MAX_STAND_IN = 100;

export interface CaptureInput {
  where: Space;
  conversationId: string;
  text: string;
  teller: Person;
  capturedBy: Person;
  customer?: string;
  /** Tags the person typed (#hashtags). Automatic themes are added to these. */
  hashtags?: string[];
  /** Tags the person chose in the dialog: these win, no automatic themes are added. */
  chosenTags?: string[];
  sourceMessageId?: string;
  /** Deep link to the source message; kept only if it is a Teams link. */
  sourceLink?: string;
  /** Who may see it; `team` when not said. `outside` needs the teller's consent first. */
  visibility?: Visibility;
  /** Saved anonymised, with the stand-in shown instead of the teller and customer ("a customer in retail"). */
  anonymous?: { standIn: string };
}

export interface CaptureResult {
  story: Story;
  duplicate: boolean;
}



export class StoriesService {
  private readonly repo: StoriesRepo;
  private readonly network: NetworkIndex;
  private readonly contributions: ContributionsRepo;
  private readonly organizers: OrganizersRepo;
  private readonly spaceThemes: SpaceThemes;
  /** Automatic themes (src/themes): the learned tagger, with each space's corrections. */
  readonly tagger: ThemeTagger;

  constructor(store: Store, private readonly clock: Clock) {
    this.repo = new StoriesRepo(store.table(STORIES_TABLE));
    this.network = new NetworkIndex(store.table(STORY_NETWORK_TABLE));
    this.spaceThemes = new SpaceThemes(new ThemesRepo(store.table(STORY_THEMES_TABLE)), clock);
    this.tagger = new ThemeTagger(this.spaceThemes, new CorrectionsRepo(store.table(THEME_CORRECTIONS_TABLE)));
    this.contributions = new ContributionsRepo(store.table(CONTRIBUTIONS_TABLE));
    this.organizers = new OrganizersRepo(store.table(ORGANIZERS_TABLE));
  }

  // ---- capture -------------------------------------------------------------------------

  /** The stand-in of an anonymous story ("a customer in retail"): required, one line, at most 100 characters. */
  validateStandIn(raw: string): string {
    const standIn = raw.replace(/\s+/g, ' ').trim();
    if (!standIn) throw new UserError(s.standInMissing);
    if (standIn.length > MAX_STAND_IN) throw new UserError(s.standInTooLong(MAX_STAND_IN));
    return standIn;
  }

  /** Checks the text a person gave; throws a UserError they can act on. */
  validateText(text: string): string {
    const trimmed = text.trim();
    if (!trimmed) throw new UserError(s.emptyStory);
    if (trimmed.length > MAX_STORY_LENGTH) throw new UserError(s.tooLong(trimmed.length));
    return trimmed;
  }

  /** Tags to suggest for a text: its #hashtags and its automatic themes. */
  async suggestTags(where: Space, text: string): Promise<string[]> {
    const themes = (await this.tagger.suggest(text, where)).map((t) => t.id);
    return unique([...themes, ...hashtagsIn(text)]).slice(0, MAX_TAGS);
  }

  async captureStory(input: CaptureInput): Promise<CaptureResult> {
    const result = await this.capture(input, undefined);
    if (!result) throw new Error('a capture without an activity id cannot be a re-delivery');
    return result;
  }

  /**
   * captureStory for the Teams activity `activityId`: at most one story per activity. The
   * pointer to it is written in the story's own transaction, so this is the turn's
   * de-duplication: a re-delivery of the activity (even at the same moment) stores nothing and
   * gives undefined; its first delivery answers.
   */
  async captureOnce(input: CaptureInput, activityId: string | undefined): Promise<CaptureResult | undefined> {
    return this.capture(input, activityId);
  }

  private async capture(input: CaptureInput, activityId: string | undefined): Promise<CaptureResult | undefined> {
    const text = this.validateText(input.text);
    // Outside use needs the teller's answer to "Ask to retell", which a new story cannot have.
    if (input.visibility === 'outside') throw new UserError(s.outsideNeedsConsent);
    const standIn = input.anonymous ? this.validateStandIn(input.anonymous.standIn) : undefined;
    if (input.sourceMessageId) {
      const existing = await this.repo.findBySource(input.where, input.sourceMessageId);
      if (existing) return { story: existing, duplicate: true };
    }
    const now = this.clock.now();
    const [{ compiled }, suggested] = await Promise.all([this.taxonomyOf(input.where), input.chosenTags ? [] : this.tagger.suggest(text, input.where)]);
    const lemmas = lemmasOf(text);
    const themeIds = new Set(compiled.map((t) => t.id));
    let themes: string[];
    let tags: string[];
    if (input.chosenTags) {
      const chosen = unique([...input.chosenTags.map(normaliseTag), ...hashtagsIn(text)].filter(Boolean)).slice(0, MAX_TAGS);
      themes = chosen.filter((t) => themeIds.has(t));
      tags = chosen.filter((t) => !themeIds.has(t));
    } else {
      const typed = unique((input.hashtags ?? []).map(normaliseTag).filter(Boolean));
      themes = unique([...suggested.map((t) => t.id), ...typed.filter((t) => themeIds.has(t))]).slice(0, MAX_TAGS);
      tags = typed.filter((t) => !themeIds.has(t)).slice(0, Math.max(0, MAX_TAGS - themes.length));
    }
    const story: Story = {
      storyId: newStoryId(now, randomBytes(4).toString('hex')),
      tenantId: input.where.tenantId,
      spaceId: input.where.spaceId,
      conversationId: input.conversationId,
      text,
      teller: input.teller,
      capturedBy: input.capturedBy,
      ...(input.customer ? { customer: input.customer } : {}),
      themes,
      tags,
      endorsers: [],
      createdAt: now,
      ...(input.sourceMessageId ? { sourceMessageId: input.sourceMessageId } : {}),
      ...(input.sourceLink && isTeamsLink(input.sourceLink) ? { sourceLink: input.sourceLink } : {}),
      terms: termsOf(lemmas, [...themes, ...tags], input.customer),
      visibility: input.visibility ?? 'team',
      ...(standIn ? { anonymous: { standIn } } : {}),
      ...(input.chosenTags ? { tagsByHand: true } : {}),
    };
    const result = await this.repo.create(story, textHashOf(text), now, DUPLICATE_WINDOW_MS, activityId);
    if (result.created) {
      // After the story (the order that can only hide): a failure here leaves it team-only in
      // effect, and the turn's error answer says it may not all have been saved (true: the
      // story is kept, other teams do not see it until its visibility is set again).
      await this.network.publish(story);
      return { story, duplicate: false };
    }
    return 'existing' in result ? { story: result.existing, duplicate: true } : undefined;
  }

  /**
   * The teller told a story: counts for the digest's "new voices". Callers run this alongside
   * captureStory (after validateText), not after it, to keep a capture turn short; so a story
   * that turns out to be a duplicate still counts as its teller taking part.
   */
  async recordTelling(where: Space, teller: Person): Promise<void> {
    await this.contributions.recordContribution(where, teller, 'story', this.clock.now());
  }

  async findBySourceMessage(where: Space, messageId: string): Promise<Story | undefined> {
    return this.repo.findBySource(where, messageId);
  }

  // ---- changes to a story ---------------------------------------------------------------

  /**
   * "Inspiring" as set-state: `endorse` true adds the person's endorsement, false takes it back.
   * Pressing twice, or retrying after a failure, leaves it as the person meant; `changed` says
   * whether this press changed anything.
   */
  async setEndorsement(where: Space, storyId: string, who: Person, endorse: boolean): Promise<{ story: Story; changed: boolean }> {
    let changed = false;
    const story = await this.change(where, storyId, (current) => {
      changed = current.endorsers.includes(who.userId) !== endorse;
      if (!changed) return undefined;
      return { ...current, endorsers: endorse ? [...current.endorsers, who.userId] : current.endorsers.filter((id) => id !== who.userId) };
    });
    return { story, changed };
  }

  /** Someone found a story inspiring: counts as taking part, for the digest. */
  async recordEndorsement(where: Space, who: Person): Promise<void> {
    await this.contributions.recordContribution(where, who, 'endorse', this.clock.now());
  }

  /** Replaces the story's tags with the person's list: what they edit wins over the automatic themes. */
  async editTags(where: Space, storyId: string, input: string[]): Promise<Story> {
    const { compiled } = await this.taxonomyOf(where);
    const themeIds = new Set(compiled.map((t) => t.id));
    const chosen = unique(input.map(normaliseTag).filter(Boolean)).slice(0, MAX_TAGS);
    const story = await this.change(where, storyId, (current) => {
      const themes = chosen.filter((t) => themeIds.has(t) || current.themes.includes(t));
      const tags = chosen.filter((t) => !themes.includes(t));
      return { ...current, themes, tags, tagsByHand: true, terms: termsOf(lemmasOf(current.text), [...themes, ...tags], current.customer) };
    });
    // The person's themes are an example for this team's tagger. The edit is saved either way:
    // a lost example only means the team's tagger learns a little less, so it does not fail the edit.
    await this.tagger.learn(where, story, story.themes, this.clock.now()).catch(() => undefined);
    return story;
  }

  /** Every theme's score for the story, with the words that weighed most (for "why"). */
  async explainThemes(where: Space, storyId: string): Promise<{ story: Story; scores: ThemeScore[] }> {
    const story = await this.getStory(where, storyId);
    if (!story) throw new UserError(s.notFound);
    return { story, scores: await this.tagger.scores(story.text, where) };
  }

  /** Deletes the story if the person may: its teller, who saved it, or an organizer of the space. */
  async deleteStory(where: Space, storyId: string, who: Person): Promise<Story> {
    return retryOnConflict(
      async () => {
        const stored = await this.repo.get(where, storyId);
        if (!stored) throw new UserError(s.notFound);
        const mine = stored.story.teller.userId === who.userId || stored.story.capturedBy.userId === who.userId;
        if (!mine && !(await this.organizers.isOrganizer(where, who.userId))) throw new UserError(s.notAllowedDelete);
        await this.network.withdraw(stored.story, undefined);
        await this.repo.remove(stored, textHashOf(stored.story.text));
        await this.tagger.forget(where, storyId).catch(() => undefined);
        return stored.story;
      },
      { attempts: 8, alsoRetry: [404], what: 'story' },
    );
  }

  /**
   * The teller (or who saved it, or an organizer: those who may delete it) replaces the story's
   * text. Its automatic themes follow the new text; tags a person chose are kept (new #hashtags
   * are added). An approval to retell was for the exact text, so the edit withdraws it (and a
   * pending request: its buttons go stale), and a story approved for use outside goes back to
   * the network. The same text again changes nothing. `before` is the text it replaced.
   */
  async editText(where: Space, storyId: string, who: Person, rawText: string): Promise<{ story: Story; before: Story; changed: boolean }> {
    const text = this.validateText(rawText);
    const found = await this.repo.get(where, storyId);
    if (!found) throw new UserError(s.notFound);
    if (!(await this.mayDelete(where, found.story, who.userId))) throw new UserError(s.notAllowedEdit);
    const [{ compiled }, suggested] = await Promise.all([this.taxonomyOf(where), found.story.tagsByHand ? [] : this.tagger.suggest(text, where)]);
    const themeIds = new Set(compiled.map((t) => t.id));
    const typed = hashtagsIn(text);
    let before: Story = found.story;
    const story = await this.change(
      where,
      storyId,
      (current) => {
        before = current;
        if (current.text === text) return undefined;
        let themes: string[];
        let tags: string[];
        if (current.tagsByHand) {
          const all = unique([...current.themes, ...current.tags, ...typed]).slice(0, MAX_TAGS);
          themes = all.filter((t) => current.themes.includes(t) || themeIds.has(t));
          tags = all.filter((t) => !themes.includes(t));
        } else {
          themes = unique([...suggested.map((t) => t.id), ...typed.filter((t) => themeIds.has(t))]).slice(0, MAX_TAGS);
          tags = unique([...current.tags, ...typed.filter((t) => !themeIds.has(t))]).filter((t) => !themes.includes(t)).slice(0, Math.max(0, MAX_TAGS - themes.length));
        }
        const now = this.clock.now();
        const { consent, ...rest } = current;
        const withdrawn = consent?.state === 'approved';
        return {
          ...rest,
          text,
          themes,
          tags,
          terms: termsOf(lemmasOf(text), [...themes, ...tags], current.customer),
          editedAt: now,
          // Outside use needs an approval of this text: back to the network until asked again.
          visibility: visibilityOf(current) === 'outside' ? 'network' : visibilityOf(current),
          // A declined answer stays (it says no to retelling at all); an approval or a pending request goes.
          ...(consent?.state === 'declined' ? { consent } : {}),
          ...(withdrawn ? { approvalWithdrawnAt: now } : {}),
        };
      },
      (stored, next) => this.repo.updateText(stored, next, textHashOf(stored.story.text), textHashOf(next.text)),
    );
    return { story, before, changed: story !== before };
  }

  /** May this person delete (or edit) the story: its teller, who saved it, or an organizer of the space. */
  async mayDelete(where: Space, story: Story, userId: string): Promise<boolean> {
    return story.teller.userId === userId || story.capturedBy.userId === userId || (await this.organizers.isOrganizer(where, userId));
  }

  async getStory(where: Space, storyId: string): Promise<Story | undefined> {
    return (await this.repo.get(where, storyId))?.story;
  }

  /**
   * eTag-guarded change of a story; `apply` returns undefined to leave it as it is. The network
   * index follows in the order that can only hide (network.ts): rows taken away before the
   * write, rows added after it.
   */
  async change(where: Space, storyId: string, apply: (current: Story) => Story | undefined, write: (stored: StoredStory, next: Story) => Promise<void> = (stored, next) => this.repo.update(stored, next)): Promise<Story> {
    return retryOnConflict(
      async () => {
        const stored: StoredStory | undefined = await this.repo.get(where, storyId);
        if (!stored) throw new UserError(s.notFound);
        const next = apply(stored.story);
        if (!next) return stored.story;
        await this.network.withdraw(stored.story, next);
        await write(stored, next);
        if (sharesWithNetwork(stored.story) || sharesWithNetwork(next)) await this.followInNetwork(where, storyId, [stored.story, next]);
        return next;
      },
      { alsoRetry: [404], what: 'story' },
    );
  }

  /**
   * Brings the network index in line with the story AS STORED NOW (not as this change wrote
   * it): with two changes at once, the one that narrowed the story may have written last, and
   * publishing our own version would show a team-only story elsewhere. After publishing, the
   * story is read again: if it changed meanwhile, the index follows that (a few rounds at most;
   * the last writer's own round settles it). Team-only stories never come here.
   */
  private async followInNetwork(where: Space, storyId: string, known: Story[]): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const current = await this.repo.get(where, storyId);
      if (!current || !sharesWithNetwork(current.story)) {
        await this.network.withdrawAll(current?.story ?? known[known.length - 1]!, known);
        return;
      }
      await this.network.publish(current.story);
      const after = await this.repo.get(where, storyId);
      if (after?.etag === current.etag) return;
      known.push(current.story);
    }
  }

  /** May this person change the story's visibility or ask to retell it: its teller or an organizer of the space. */
  async mayCurate(where: Space, story: Story, userId: string): Promise<boolean> {
    return story.teller.userId === userId || (await this.organizers.isOrganizer(where, userId));
  }

  async isOrganizer(where: Space, userId: string): Promise<boolean> {
    return this.organizers.isOrganizer(where, userId);
  }

  /**
   * Sets who may see the story (set-state: the button says which, so a retry changes nothing
   * more). The teller or an organizer; `outside` only once the teller (or the named contact)
   * approved retelling it.
   */
  async setVisibility(where: Space, storyId: string, who: Person, visibility: Visibility): Promise<{ story: Story; changed: boolean }> {
    const stored = await this.repo.get(where, storyId);
    if (!stored) throw new UserError(s.notFound);
    if (!(await this.mayCurate(where, stored.story, who.userId))) throw new UserError(s.notAllowedVisibility);
    let changed = false;
    const story = await this.change(where, storyId, (current) => {
      if (visibility === 'outside' && !isApproved(current)) throw new UserError(s.outsideNeedsConsent);
      changed = visibilityOf(current) !== visibility;
      return changed ? { ...current, visibility } : undefined;
    });
    return { story, changed };
  }

  // ---- library ---------------------------------------------------------------------------

  /** `stories`, `stories #champions`, `stories retail onboarding`: 5 per page, ranked. */
  async library(where: Space, query: string, page: number): Promise<LibraryPage> {
    const cleanQuery = query.trim().slice(0, 200);
    const tags = hashtagsIn(cleanQuery);
    const words = cleanQuery.replace(/#[\p{L}\p{N}][\p{L}\p{N}_-]*/gu, ' ');
    const terms = queryTerms(lemmasOf(words));
    // `#onboarding` and `onboarding` find the theme #onboarding-training (tagAlternatives).
    const themes = (await this.taxonomyOf(where)).themes;
    const wanted = tags.map((t) => tagAlternatives(t, themes));
    const named = tags.length === 0 && words.trim() && words.trim().split(/\s+/).length <= 3 ? tagAlternatives(words, themes).filter((id) => themes.some((t) => t.id === id)) : [];
    // This team's stories and the tenant's network stories of other teams (the network index,
    // read by key): a team-only story of another team is never read here.
    const elsewhere = (list: readonly Story[]): Story[] => list.filter((st) => st.spaceId !== where.spaceId);
    const withAny = async (alternatives: readonly string[]): Promise<Story[]> => {
      const lists = await Promise.all(alternatives.flatMap((t) => [this.repo.withTag(where, t, SEARCH_WINDOW), this.network.withTag(where.tenantId, t, SEARCH_WINDOW).then(elsewhere)]));
      const byId = new Map(lists.flat().map((st) => [`${st.spaceId}|${st.storyId}`, st]));
      return [...byId.values()];
    };
    const first = wanted[0];
    const candidates = first
      ? (await withAny(first)).filter((st) => wanted.every((alts) => alts.some((t) => allTags(st).includes(t))))
      : (await Promise.all([this.repo.newest(where, SEARCH_WINDOW), this.network.newest(where.tenantId, SEARCH_WINDOW).then(elsewhere)])).flat();
    let ranked = rank(candidates, terms);
    if (named.length) {
      // A query that names a theme: its stories first, then stories that only mention the words.
      const themed = rank(await withAny(named), []);
      const seen = new Set(themed.map((r) => `${r.story.spaceId}|${r.story.storyId}`));
      ranked = [...themed, ...ranked.filter((r) => !seen.has(`${r.story.spaceId}|${r.story.storyId}`))];
    }
    return { ...pageOf(ranked, cleanQuery, page, candidates.length >= SEARCH_WINDOW), spaceId: where.spaceId };
  }

  // ---- themes ----------------------------------------------------------------------------

  async themes(where: Space): Promise<Theme[]> {
    return (await this.taxonomyOf(where)).themes;
  }

  /** Adds a theme, or changes one: `mode: 'add'` adds the words to an existing theme, `'set'` replaces them. */
  async saveTheme(where: Space, name: string, phrases: string[], mode: 'add' | 'set', by: Person): Promise<Theme> {
    return this.spaceThemes.save(where, name, phrases, mode, by);
  }

  async removeTheme(where: Space, name: string, by: Person): Promise<Theme> {
    return this.spaceThemes.remove(where, name, by);
  }

  private taxonomyOf(where: Space): Promise<SpaceTaxonomy> {
    return this.spaceThemes.of(where);
  }

  // ---- for the digest and benchmarks ----------------------------------------------------------

  async storiesBetween(tenantId: string, spaceId: string, from: Date, to: Date): Promise<StorySummary[]> {
    return (await this.repo.between({ tenantId, spaceId }, from, to)).map(summaryOf);
  }

  /** Other teams' network stories created in [from, to) (the digest of `spaceId`): the tenant's network index, one key range. */
  async networkStoriesBetween(tenantId: string, spaceId: string, from: Date, to: Date): Promise<StorySummary[]> {
    return (await this.network.between(tenantId, from, to)).filter((st) => st.spaceId !== spaceId).map((st) => ({ ...summaryOf(st), spaceId: st.spaceId }));
  }

  async mostEndorsed(tenantId: string, spaceId: string, limit: number): Promise<StorySummary[]> {
    return (await this.repo.mostEndorsed({ tenantId, spaceId }, Math.max(0, limit))).map(summaryOf);
  }

}

/** Only Teams deep links become a button on the card: a payload cannot smuggle another URL in. */
export function isTeamsLink(url: string): boolean {
  return url.length <= 2000 && /^https:\/\/teams\.microsoft\.com\/l\/message\//.test(url);
}
