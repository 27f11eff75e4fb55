import { PERIOD_NAMES } from './period';

/** Everything the insights feature says to people, in one place. */
const signed = (n: number): string => (n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '±0');

export const insightStrings = {
  group: 'Insights',
  statsUsage: 'stats [7d|30d|90d|quarter]',
  statsSummary: "The network's health: people taking part, stories, topics, votes, call turnout, top themes.",

  badPeriod: (given: string) => `I do not know the period "${given}". Try one of: ${PERIOD_NAMES.join(', ')} (for example: @Coach stats 90d).`,

  statsTitle: 'Network health',
  periodLabel: (name: string, from: string, lastDay: string, quarter?: string) =>
    `${quarter ?? `Last ${name.replace('d', ' days')}`}: ${from} to ${lastDay}, compared with the period before`,
  people: 'People taking part',
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
  turnoutLine: (voted: number, noted: number, tookPart: number) => `${tookPart} took part · ${voted} voted · ${noted} wrote notes`,
  noCalls: 'No call had votes or notes in this period.',
  themes: 'Top themes of stories',
  questionThemes: 'Top themes of questions',
  noThemes: 'No stories with themes in this period.',
  trend: 'Trend',
  trendCaption: (unit: 'day' | 'week') => `Per ${unit}, oldest on the left: blue bars are people taking part, amber bars are stories.`,
  trendAlt: (people: number[], stories: number[]) => `People taking part: ${people.join(', ')}. Stories: ${stories.join(', ')}.`,
  quiet: 'Nothing happened here in this period yet. Tell a story (@Coach story ...) or propose a topic (@Coach topic ...) to get going.',
  change: (now: number, previous: number) => `${now} (${signed(now - previous)})`,
  signed,
};
