/** What Connect works with, in plain values (no Teams or storage types). */
export interface Space {
  tenantId: string;
  /** The team for channel conversations, else the conversation. */
  spaceId: string;
}

/** A space and the conversation (channel or chat) a question lives in. */
export interface Place extends Space {
  conversationId: string;
}

export interface Person {
  userId: string;
  userName: string;
}

/** What counts as knowing a theme, each with its weight (expertise.ts). */
export type ContributionKind = 'story' | 'answer' | 'note' | 'topic';

/** A contribution as other rooms report it (BotEvents `contributed`): themes, or a text to tag. */
export interface Contribution extends Space {
  personId: string;
  name: string;
  kind: ContributionKind;
  themes?: string[];
  /** Tagged here when no themes are given; never stored or logged. */
  text?: string;
  /** A new story, for the theme's shortlist of related stories. */
  story?: { storyId: string; text: string; tellerName: string };
  at: Date;
}

export interface RelatedStory {
  storyId: string;
  text: string;
  tellerName: string;
}

export interface AcceptedAnswer {
  answerId: string;
  answerer: Person;
  by: Person;
  at: Date;
}

export interface Question extends Place {
  /** Newest-first sortable: 13 digits of inverted time, '-', 8 hex characters. */
  questionId: string;
  text: string;
  asker: Person;
  /** Theme ids from the space's taxonomy; the first is the question's bucket. */
  themes: string[];
  bucket: string;
  /** People asked to help (at most 3 at a time), @mentioned on the card. */
  suggested: Person[];
  /** Everyone who said "Not for me": never suggested for this question again. */
  declined: string[];
  related: RelatedStory[];
  claimedBy?: Person;
  /** Ids of the answers given, in order (the count, and the key that keeps a re-sent answer single). */
  answerIds: string[];
  firstAnswerAt?: Date;
  accepted?: AcceptedAnswer;
  createdAt: Date;
  /** Raised on every change; cards carry it, so a card the bot never sent is recognised. */
  version: number;
  /** Where answers and reminders are posted (the routes' own serialised reference; opaque here). */
  thread: string;
  remindedAt?: Date;
  /**
   * Offered as a topic for the conversation's next call ("Propose for the next call" on the
   * reminder): who pressed, and once the agenda took it, which call and topic. A claim without
   * a topic number is a proposal in progress (or one that failed midway: it lapses after a minute).
   */
  proposed?: ProposedTopic;
  /** The posted question card's activity id, so changes show on it for everyone. */
  cardId?: string;
  /**
   * The channels the question's bucket is routed to (`buckets set #theme: @channel`), each with
   * its copy of the question card once posted there. Presses on a copy act on this one question.
   */
  copies?: QuestionCopy[];
  /**
   * Who may see it: this team only (the default, absent) or every team of the host tenant
   * (`network`: their digests list it while it is unanswered). Never `outside`: a question is
   * not social proof.
   */
  visibility?: QuestionVisibility;
}

export const QUESTION_VISIBILITIES = ['team', 'network'] as const;
export type QuestionVisibility = (typeof QUESTION_VISIBILITIES)[number];
export const questionVisibilityOf = (q: Pick<Question, 'visibility'>): QuestionVisibility => q.visibility ?? 'team';

/** A channel a bucket is routed to: where to post (a stored reference, JSON) and its name as mentioned. */
export interface RoutedChannel {
  conversationId: string;
  name: string;
  reference: string;
}

export interface QuestionCopy extends RoutedChannel {
  /** Set once the copy is posted: its thread (reference JSON) and card id. */
  thread?: string;
  cardId?: string;
}

export interface ProposedTopic {
  by: Person;
  at: Date;
  callId?: string;
  callTitle?: string;
  topicNumber?: number;
}

export interface Answer {
  answerId: string;
  questionId: string;
  text: string;
  author: Person;
  at: Date;
}

/** An expert for a theme query: score and the reason, in numbers (strings.ts words it). */
export interface Expert {
  person: Person;
  score: number;
  /** Per matched theme: counts and latest time per kind. */
  evidence: { theme: string; counts: Partial<Record<ContributionKind, number>>; latest: Date }[];
}

export const QUESTION_ID = /^\d{13}-[0-9a-f]{8}$/;
export const ANSWER_ID = /^[0-9a-f]{12}$/;
export const MAX_QUESTION_LENGTH = 1000;
export const MAX_ANSWER_LENGTH = 4000;
export const MAX_SUGGESTED = 3;
export const MAX_EXPERTS = 5;
export const MAX_RELATED = 3;
export const MAX_ANSWERS = 100;
export const MAX_OWNERS = 5;
/** The agenda's limit on a topic's title (agenda/service.ts MAX_TOPIC): a proposed question is shortened to it. */
export const MAX_TOPIC_LENGTH = 300;
/** The bucket of a question that matched no theme. */
export const GENERAL_BUCKET = 'general';
