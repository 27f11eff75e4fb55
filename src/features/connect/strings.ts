import { MAX_ANSWER_LENGTH, MAX_OWNERS, MAX_QUESTION_LENGTH, type ContributionKind } from './model';

/** Every sentence Connect says, in one place (ready for localisation). */
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

const KIND_WORDS: Record<ContributionKind, [string, string]> = {
  story: ['story', 'stories'],
  answer: ['accepted answer', 'accepted answers'],
  topic: ['topic proposed', 'topics proposed'],
  note: ['note taken', 'notes taken'],
};

export function ago(then: Date, now: Date): string {
  const days = Math.max(0, Math.floor((now.getTime() - then.getTime()) / 86_400_000));
  if (days === 0) return 'today';
  if (days === 1) return 'yesterday';
  if (days < 14) return `${days} days ago`;
  if (days < 60) return `${Math.floor(days / 7)} weeks ago`;
  if (days < 730) return `${Math.floor(days / 30)} months ago`;
  return `${Math.floor(days / 365)} years ago`;
}

export function durationText(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return plural(Math.max(1, minutes), 'minute', 'minutes');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return plural(hours, 'hour', 'hours');
  return plural(Math.round(hours / 24), 'day', 'days');
}

export const connectStrings = {
  group: 'Connect',
  askUsage: 'ask [your question] [visibility: network]',
  askSummary: "Ask the network: I tag the question, show related stories and @mention up to 3 people who know. Add \"visibility: network\" to list it in the other teams' digests too. During a call, it joins the call's question queue.",
  whoUsage: 'who knows [theme or words]',
  whoSummary: 'Up to 5 people who know a theme, from the stories, answers, topics and notes they shared.',
  bucketsUsage: 'buckets  |  buckets set #theme: @person, @channel',
  bucketsSummary: 'Question themes with counts, open questions and time to first answer; organizers route a theme to people.',
  hideUsage: 'hide me',
  hideSummary: 'Stop suggesting me to people with questions, in every team.',
  showUsage: 'show me',
  showSummary: 'Suggest me again to people with questions.',

  emptyQuestion: 'What is your question? Type it after "ask", for example: ask How do you keep champions engaged after launch?',
  questionTooLong: (n: number) => `That question is ${n} characters long; the limit is ${MAX_QUESTION_LENGTH}. Could you shorten it?`,
  emptyAnswer: 'The answer is empty: nothing was posted.',
  answerTooLong: (n: number) => `That answer is ${n} characters long; the limit is ${MAX_ANSWER_LENGTH}. Nothing was posted.`,
  tooManyAnswers: 'This question has many answers already; nothing was added.',
  questionNotFound: "I can't find that question in this conversation. Nothing was changed.",
  answerNotFound: "I can't find that answer. Nothing was changed.",
  badRequest: "That button's data is not something I sent. Nothing was changed.",
  ownQuestionClaim: 'You asked this question, so you cannot claim it. You can answer it yourself with Answer.',
  claimedByYou: "You're helping with this question. Use Answer when you're ready.",
  alreadyClaimed: (name: string) => `${name} is already helping with this question. You can still answer it.`,
  askerToldWhoHelps: (asker: string, helper: string) => `${asker}, ${helper} will help with your question.`,
  notSuggested: 'Only the people suggested for this question can say it is not for them.',
  declined: 'Thanks: you will not be suggested for this question again.',
  nextSuggestion: (name: string) => `${name}, could you help with this question?`,
  noMoreSuggestions: 'I have nobody else to suggest for now.',
  onlyAskerAccepts: 'Only the person who asked (or an organizer) can accept an answer.',
  acceptedAlready: (name: string) => `${name}'s answer is accepted already.`,
  acceptedNotice: (asker: string, answerer: string) => `${asker} accepted ${answerer}'s answer.`,
  answerPostedNotice: 'Your answer is posted in the question thread.',
  answerSavedNotPosted: 'Your answer is saved, but I could not post it in the thread. Please try again later.',
  duplicateAnswer: 'That answer was posted already.',
  onlyAskerSaves: 'Only the person who asked, the person who answered, or an organizer can save this answer as a story.',
  notAccepted: 'Only an accepted answer can be saved as a story.',
  savedAsStory: 'Saved as a story in the library, with the question\'s themes.',
  savedAsStoryAlready: 'This answer is in the story library already.',
  fromCall: (title: string) => `Left open at the end of ${title}: a question for the network.`,
  proposeForCall: 'Propose for the next call',
  proposedForCall: (n: number, callTitle: string) => `Proposed as topic ${n} for ${callTitle}: the call can take it up.`,
  proposedAlready: (n: number | undefined, callTitle: string | undefined, by: string) =>
    n !== undefined && callTitle ? `${by} proposed this question for the next call already: topic ${n} of ${callTitle}.` : `${by} is proposing this question for the next call.`,
  noAgenda: 'Calls are not set up here, so I cannot add the question to a call.',
  reminderKicker: 'STILL OPEN',
  reminder: (asker: string, age: string) => `This question from ${asker} has had no answer for ${age}. Do you know someone who could help, or can you answer it?`,

  // ---- cards
  questionKicker: 'QUESTION',
  questionFallback: 'Question',
  askedBy: 'Asked by',
  bucket: 'Theme',
  noTheme: 'no theme matched',
  status: 'Status',
  statusOpen: 'Open',
  statusClaimed: (name: string) => `${name} is helping`,
  statusAnswers: (n: number) => plural(n, 'answer', 'answers'),
  statusAccepted: (name: string) => `Answered: ${name}'s answer was accepted`,
  relatedStories: 'Related stories',
  suggestedPeople: (mentions: string) => `Could you help? ${mentions}`,
  nobodySuggested: 'Nobody to suggest yet: people appear here once they share stories, answers, topics or notes on this theme.',
  canHelp: 'I can help',
  answer: 'Answer',
  notForMe: 'Not for me',
  accept: 'Accept',
  saveAsStory: 'Save as story',
  answerKicker: 'ANSWER',
  answerFrom: (name: string) => `From ${name}`,
  acceptedBadge: 'ACCEPTED',
  dialogTitle: 'Answer the question',
  dialogLabel: 'Your answer',
  dialogSubmit: 'Post answer',
  storyBy: (name: string) => `told by ${name}`,
  askDialogTitle: 'Ask the network',
  askDialogLabel: 'Your question',
  askDialogSubmit: 'Ask',
  askNotHere: 'Questions are asked in a team channel or a group chat, where people can answer them.',

  // ---- who may see it (visibility)
  visibilityUnknown: (word: string) => `"${word}" is not a visibility I know for a question. Write visibility: team (this team only, the default) or visibility: network (every team of this organisation sees it in its digest). Nothing was asked.`,
  visibilityOutside:
    'A question cannot be approved for use outside: that is for stories a teller agreed to have retold as social proof. Write visibility: network to show it to every team of this organisation. Nothing was asked.',
  notAllowedVisibility: 'Only the person who asked (or an organizer) can change who sees this question. Nothing was changed.',
  /** After the call's own answer, when `visibility: network` was asked for during a call. */
  liveStaysInTeam: "A question asked during a call joins the call's questions, which stay with this team. To ask the whole network, ask again after the call.",
  visibilityLabel: 'Visible to',
  visibilityNames: { team: 'this team only', network: 'every team of the network' } as Record<'team' | 'network', string>,
  visibilitySet: (name: string) => `Now visible to: ${name}.`,
  visibilityUnchanged: (name: string) => `It is already visible to: ${name}.`,
  share: 'Share…',
  shareTitle: 'Who may see this question (the asker or an organizer decides)',
  makeTeam: 'This team only',
  makeNetwork: 'Every team of the network',
  askDialogVisibility: 'Who may see it',
  askDialogNetworkNote: "Every team of the network lists it in its weekly digest until it is answered; answers are given here, in this conversation.",

  // ---- who knows
  whoEmpty: 'Who knows what? Add a theme or a few words, for example: who knows #champions, or who knows onboarding new hires.',
  unknownTheme: (given: string, known: string[]) => `I don't know the theme #${given}. Themes here: ${known.map((k) => `#${k}`).join(', ')}.`,
  noThemeMatched: (known: string[]) => `Those words match none of this team's themes. Try one of: ${known.map((k) => `#${k}`).join(', ')}.`,
  whoTitle: (themes: string[]) => `Who knows ${themes.map((t) => `#${t}`).join(', ')}`,
  whoNobody: 'Nobody has shared anything on this yet (or the people who did asked not to be suggested).',
  reason: (counts: Partial<Record<ContributionKind, number>>, themes: string[], latest: Date, now: Date) => {
    const parts = (Object.entries(counts) as [ContributionKind, number][]).map(([k, n]) => plural(n, ...KIND_WORDS[k]));
    return `${parts.join(', ')} on ${themes.map((t) => `#${t}`).join(', ')}, latest ${ago(latest, now)}`;
  },

  // ---- introductions
  introduceMe: 'Introduce me',
  introduceWho: 'Who would you like a short chat with? I will ask them in a personal chat.',
  introduceSelf: 'That is you: I cannot introduce you to yourself.',
  notIntroducible: 'I can only introduce you to people listed for this theme here (and who have not opted out).',
  introAlready: (name: string) => `You asked to be introduced to ${name} already.`,
  introCannotReach: (name: string) => `I can't open a personal chat with ${name} (they have not added me), so nothing was sent. You could message them directly.`,
  introSent: (name: string) => `I asked ${name} in a personal chat whether they would talk with you. You'll hear from me if they say yes.`,
  introKicker: 'INTRODUCTION',
  introAsk: (requester: string, themes: string) => `${requester} would like to hear how you handled ${themes}. Would you have a short chat?`,
  happyToTalk: 'Happy to talk',
  notNow: 'Not now',
  introAccepted: (name: string, link: string) => `${name} is happy to talk. Start the chat: ${link}`,
  introAcceptedForPerson: (name: string, link: string) => `Thanks! I let ${name} know. Start the chat: ${link}`,
  introDeclined: 'No problem: I will not pass on any reason.',
  introNotFound: "I can't find that introduction. Nothing was changed.",
  introAnswered: 'You answered this introduction already.',
  introFollowUp: (name: string) => `Two weeks ago you were introduced to ${name}. Did it help? If you learned something worth keeping, save it as a story: story [what you learned]`,

  // ---- opt-out
  hidden: 'Done: I will not suggest you to anyone with a question, in any team. "show me" turns suggestions back on.',
  shown: 'Done: I may suggest you again when a question matches what you shared.',
  hideUsage2: 'Say "hide me" to stop being suggested, or "show me" to be suggested again.',

  // ---- buckets
  bucketsTitle: 'Question themes',
  bucketsNone: 'No questions yet. Ask one with: ask [your question]',
  bucketLine: (asked: number, open: number, median?: string) => `${plural(asked, 'question', 'questions')}, ${open} open${median ? `, first answer in ${median} (median)` : ''}`,
  bucketOwners: (names: string) => `Routed to ${names}`,
  bucketsSetUsage: `To route a theme: buckets set #theme: @person, @channel (up to ${MAX_OWNERS} people or channels; a channel gets a copy of each question)`,
  bucketsNotOrganizer: 'Only organizers of this team can route question themes.',
  bucketsTooMany: `At most ${MAX_OWNERS} people or channels per theme.`,
  bucketsSet: (theme: string, names: string) => `Questions on #${theme} now go to ${names} first.`,
  bucketsSetChannels: (theme: string, names: string, channels: string) =>
    names ? `Questions on #${theme} now go to ${names} first, and are posted in ${channels} too.` : `Questions on #${theme} are now posted in ${channels} too.`,
  channelNotInTeam: (name: string) => `I can only route questions to channels of this team where I have been added and used: ${name} is not one I know here. Mention me there once (for example with @Coach help), then try again.`,
  routedHere: (theme: string) => `A question on #${theme}, routed to this channel:`,
  channelLabel: (name: string) => `#${name} (channel)`,
};
