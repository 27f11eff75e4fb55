import { PERIOD_NAMES } from './period';

/** Everything the insights feature says to people, in one place. */
const signed = (n: number): string => (n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '±0');

export const insightStrings = {
  group: 'Insights',
  statsUsage: 'stats [7d|30d|90d|quarter]',
  statsSummary: "The network's health: people taking part, stories, topics, votes, call turnout, top themes.",

  badPeriod: (given: string) => `I do not know the period "${given}". Try one of: ${PERIOD_NAMES.join(', ')} (for example: @Coach stats 90d).`,

  kicker: 'INSIGHTS',
  privacyKicker: 'YOUR DATA',
  statsTitle: 'Network health',
  periodLabel: (name: string, from: string, lastDay: string, quarter?: string) =>
    `${quarter ?? `Last ${name.replace('d', ' days')}`}: ${from} to ${lastDay}, compared with the period before`,
  people: 'People taking part',
  peopleInAll: 'In all',
  newPeople: 'New',
  returning: 'Returning',
  goneQuiet: 'Gone quiet',
  goneQuietHint: 'took part in the period before, not in this one',
  activity: 'Activity',
  stories: 'Stories',
  topics: 'Topics proposed',
  votes: 'Votes',
  notes: 'Notes',
  endorsements: 'Found inspiring',
  questions: 'Questions asked',
  answers: 'Answers',
  firstAnswer: 'Median time to first answer',
  minutes: (m: number) => (m < 90 ? `${m} min` : m < 48 * 60 ? `${Math.round(m / 60)} h` : `${Math.round(m / 1440)} days`),
  turnout: 'Turnout per call',
  turnoutLine: (voted: number, noted: number, tookPart: number, present = 0, firstTime = 0) =>
    `${tookPart} took part · ${voted} voted · ${noted} wrote notes${present ? ` · ${present} present${firstTime ? ` (${firstTime} at their first call)` : ''}` : ''}`,
  noCalls: 'No call had votes, notes or people present in this period.',
  attendances: 'Present at calls',
  themes: 'Top themes of stories',
  questionThemes: 'Top themes of questions',
  noThemes: 'No stories with themes in this period.',
  trend: 'Trend',
  trendCaption: (unit: 'day' | 'week') => `Per ${unit}, oldest on the left: blue bars are people taking part, amber bars are stories.`,
  trendAlt: (people: number[], stories: number[]) => `People taking part: ${people.join(', ')}. Stories: ${stories.join(', ')}.`,
  quiet: 'Nothing happened here in this period yet. Tell a story (@Coach story ...) or propose a topic (@Coach topic ...) to get going.',
  change: (now: number, previous: number) => `${now} (${signed(now - previous)})`,
  signed,

  valueMissing: `Write the value after "value:". ${'For example: value: 120 hours a month saved, value: $40k travel cost avoided, value: CSAT +6.'} Nothing was saved.`,
  valueTooLong: (max: number) => `A value can be up to ${max} characters: a number, a unit and what it is. Nothing was saved.`,
  valueUnreadable: (given: string) =>
    `I could not read the value "${given}": it needs a number, for example: value: 120 hours a month saved, value: $40k travel cost avoided, value: CSAT +6. Nothing was saved.`,
  goalsUsage: 'goals | goals add "[goal]" baseline [number][/month]',
  goalsSummary: 'The goals the network works toward (organizers add them); value shows progress.',
  valueUsage: 'value [7d|30d|90d|quarter]',
  valueSummary: 'The business value stories report: totals by kind, progress per goal, the stories behind the biggest numbers.',
  goalUsageHint: 'Add a goal like this: @Coach goals add "Cut support escalations 15% by Q3" baseline 120/month',
  goalTooLong: (max: number) => `A goal can be up to ${max} characters. Nothing was saved.`,
  goalNoBaseline:
    'A goal needs a baseline to measure progress against: where you are today, for example: @Coach goals add "Cut support escalations 15% by Q3" baseline 120/month. Nothing was saved.',
  goalBadPercent: 'The percentage in the goal should be between 0 and 1000. Nothing was saved.',
  goalNoMeasure: 'Say what the goal measures, for example "Cut support escalations 15% by Q3". Nothing was saved.',
  goalsOnlyOrganizers: 'Only the organizers of this team or chat can add goals. Nothing was saved.',
  goalsFull: (max: number) => `This space has ${max} goals already; that is the most I keep. Nothing was saved.`,
  goalUnknownSub: 'I know "goals" (the list) and "goals add ...". For example: @Coach goals add "Cut support escalations 15% by Q3" baseline 120/month',
  goalAdded: (title: string, target: string) => `Goal added: ${title}. ${target} Stories that state a value (value: 30 fewer escalations a month) count toward it; see @Coach value.`,
  goalTarget: (baseline: string, target: string) => `Baseline ${baseline}; the target is a change of ${target}.`,
  goalNoTarget: (baseline: string) => `Baseline ${baseline}; the title has no % target, so progress shows what stories report against the baseline.`,
  goalsTitle: 'Goals',
  goalsEmpty: 'No goals yet. Organizers can add one: @Coach goals add "Cut support escalations 15% by Q3" baseline 120/month',
  goalLine: (title: string, baseline: string) => `${title} (baseline ${baseline})`,

  valueTitle: 'Business value',
  valueTotals: 'Reported by stories',
  valueNone: 'No story in this period states a value yet. Add one when you capture a story: @Coach story ... value: 120 hours a month saved',
  valueBasis: (stories: number, measured: number) => `${stories} ${stories === 1 ? 'story' : 'stories'} with a value; ${measured} measured, the rest estimated.`,
  goalProgress: 'Progress against goals',
  goalProgressLine: (share: number | undefined, reported: string, stories: number) =>
    share === undefined ? `${reported} reported by ${stories} ${stories === 1 ? 'story' : 'stories'}` : `${Math.round(share * 100)}% of the target: ${reported} reported by ${stories} ${stories === 1 ? 'story' : 'stories'}`,
  biggest: 'The stories behind the biggest numbers',
  storyBy: (teller: string, customer?: string) => (customer ? `${teller} · ${customer}` : teller),
  openStory: 'Go to the message',
  storyGone: 'The story was deleted.',
  exportUsage: 'export [stories|quotes|questions|calls|customers]',
  exportSummary: "Download this team's stories, quotes (stories their teller approved retelling), questions, calls or customers as a CSV file (organizers; a link that works once, for 15 minutes).",
  exportUnknown: (given: string) => `I cannot export "${given}". Try one of: stories, quotes, questions, calls, customers (for example: @Coach export stories).`,
  exportOnlyOrganizers: 'Only the organizers of this team or chat can export its data.',
  exportReady: (what: string, url: string) =>
    `Your export of ${what} (CSV) is ready: ${url} The link works once and expires in 15 minutes. Calls are those of this channel or chat.`,
  exportSentPrivately: (what: string) => `I sent you the link to the ${what} export in our personal chat: it works once, so it is for you only.`,
  exportNoPersonalChat:
    'The export link works once, so I send it only to you, in our personal chat, and I could not open it. Add me as an app for yourself (Apps > Network Coach > Add), then ask again. No link was made.',
  exportNotDelivered:
    'The export link works once, so I send it only to you, in our personal chat, and Teams did not let me post there. Add me as an app for yourself (Apps > Network Coach > Add), then ask again. The link I made was cancelled: it will not open.',
  myDataUsage: 'my data [json|csv]',
  myDataSummary: 'Download everything I keep about you (a link that works once, for 15 minutes).',
  forgetUsage: 'forget me',
  forgetSummary: 'Delete what I keep about you: your votes, endorsements and rights; your stories, notes and topics deleted or anonymised.',
  myDataUnknown: 'Say "my data" (or "my data csv") and I give you a link to everything I keep about you.',
  myDataCardTitle: 'Your data',
  myDataCardExplain:
    'Press the button for a link to everything I keep about you. The link shows only to the person who presses, works once and expires in 15 minutes. (In a shared channel, people from another organisation cannot have a personal chat with me, so this is the way for them.)',
  myDataButton: (format: string) => `Get my data (${format.toUpperCase()})`,
  myDataReady: (format: string, url: string) => `Everything I keep about you (${format.toUpperCase()}): ${url} The link works once and expires in 15 minutes.`,
  forgetUnknown: 'Say "forget me" and I ask you to confirm before I delete anything.',
  forgetTitle: 'Forget me?',
  forgetExplain:
    'I will delete your votes, the stories you found inspiring, your organizer rights and my records of your taking part, in every team and chat of this organisation. The stories, notes and topics you wrote: choose below. This cannot be undone.',
  forgetDelete: 'Delete my stories, notes and topics',
  forgetAnonymise: 'Keep them as "a former member"',
  forgetDone: (choice: 'delete' | 'anonymise', r: { storiesDeleted: number; endorsementsWithdrawn: number; rowsDeleted: number; rowsChanged: number }) =>
    `Done: I no longer keep anything that names you. ${choice === 'delete' ? `${r.storiesDeleted} of your stories and your notes and topics were deleted` : 'Your stories, notes and topics now show "a former member"'}; ${r.endorsementsWithdrawn} endorsements withdrawn; ${r.rowsDeleted} records deleted and ${r.rowsChanged} changed.`,
  forgetStarted: (choice: 'delete' | 'anonymise') =>
    `Understood: I am forgetting you now (${choice === 'delete' ? 'your stories, notes and topics deleted' : 'your stories, notes and topics kept as "a former member"'}). It takes a little while; I will tell you here when it is done.`,
  forgetUnderWay: 'I am already forgetting you; I will tell you here when it is done.',
  forgetOnlyPersonal: 'For your privacy, "forget me" works only in our personal chat.',
  forgetHereExplain: 'Only you see my answer to your press, and it forgets only you. I cannot write to you privately when it is done (Teams opens no personal chat with me for you), so press again later: I will tell you whether it is still under way.',
  forgetStartedHere: (choice: 'delete' | 'anonymise') =>
    `Understood: I am forgetting you now (${choice === 'delete' ? 'your stories, notes and topics deleted' : 'your stories, notes and topics kept as "a former member"'}). It takes a little while; press again later to see whether it is still under way.`,
  forgetUnderWayHere: 'I am still forgetting you; press again in a little while.',
  valueNoKind: (given: string) => `The value "${given}" has a number but not what it is: say what was saved or improved, for example: value: 120 hours a month saved. Nothing was saved.`,
};

