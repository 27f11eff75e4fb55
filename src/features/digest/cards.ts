import { DateTime } from 'luxon';
import { CARD_BUDGET_BYTES, cardBytes } from '../../cards/size';
import { card, type AdaptiveCard, type CardAction, type CardElement } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import type { DigestStory, FigureLine } from './curate';
import { noticeBlock, type Notice } from '../../cards/notice';
import { DAY_NAMES, describeSlot, type WeeklySlot } from './schedule';
import { digestStrings as s } from './strings';

/** What a digest shows: built by the service from plain data, turned into a card here. */
export interface NextCallSummary {
  callId: string;
  title: string;
  startsAt: Date;
  topTopics: { number: number; title: string; votes: number }[];
}

export interface RecapSummary {
  /** The call the recap is of (to tell whether the last call's turnout belongs with it). */
  callId?: string;
  title: string;
  decisions: string[];
  actions: string[];
}

/** The last call that ended: who came (and who for the first time), and its actions still open. */
export interface LastCallSummary {
  callId: string;
  title: string;
  endedAt: Date;
  turnout: number;
  firstTimers: string[];
  openActions: { text: string; ownerName: string; due: string }[];
}

/** A question nobody has answered yet (from Connect). */
export interface OpenQuestionSummary {
  text: string;
  askerName: string;
  bucket: string;
  askedAt: Date;
  /** Another team's question shared with the network: answered there, not here. */
  fromAnotherTeam?: boolean;
  /** The thread it was asked in (a Teams deep link; only its channel's members can open it). */
  link?: string;
}

/** Another team's call whose recap its organizers shared with the network: no names, no notes. */
export interface NetworkRecapSummary {
  title: string;
  endedAt: Date;
  decisions: string[];
  actions: string[];
  topics: string[];
}

export interface DigestContent {
  quiet: boolean;
  from: Date;
  to: Date;
  timeZone: string;
  stories: DigestStory[];
  resurfaced?: DigestStory;
  nextCall?: NextCallSummary;
  recap?: RecapSummary;
  /** The last call before the digest's end: turnout (shown with its recap) and open actions (shown until done). */
  lastCall?: LastCallSummary;
  newVoices: string[];
  /** "Open questions you could answer": shown in quiet weeks too. */
  openQuestions?: OpenQuestionSummary[];
  /** "From the network's calls": other teams' shared recaps of the week, shown in quiet weeks too. */
  networkRecaps?: NetworkRecapSummary[];
  figures: FigureLine[];
}

export type VoteAction = (callId: string, title?: string) => CardAction;

const MAX_STORY_CHARS = 400;
const MAX_OPEN_ACTIONS = 5;
/** Sections whose inputs come from other teams or the whole team: each bounded here, so the card always fits a Teams message. */
const MAX_NETWORK_RECAPS = 2;
/** Per shared recap: its first few decisions, actions and topics, each shortened. */
const MAX_NETWORK_RECAP_ITEMS = 3;
const MAX_OPEN_QUESTIONS = 5;
/** A thread link longer than this is left off (Teams deep links are far shorter). */
const MAX_LINK_CHARS = 2048;
const MAX_NAMES = 10;

/** Names, each once (case-insensitive), the first `MAX_NAMES` and "And N more". */
function namesLine(names: readonly string[]): string {
  const seen = new Set<string>();
  const unique = names.filter((n) => {
    const k = n.trim().toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.slice(0, MAX_NAMES).map((n) => safeLine(n, 60)).join(', ') + (unique.length > MAX_NAMES ? ` ${s.andMore(unique.length - MAX_NAMES)}` : '');
}

function day(at: Date, tz: string): string {
  return DateTime.fromJSDate(at, { zone: tz }).toFormat('d LLL');
}

function storyBlock(story: DigestStory): CardElement {
  const themes = story.themes.length ? ` · ${story.themes.map((t) => safeLine(t, 40)).join(', ')}` : '';
  return {
    type: 'Container',
    spacing: 'Small',
    items: [
      { type: 'TextBlock', text: safeText(story.text, MAX_STORY_CHARS), wrap: true, maxLines: 6 },
      {
        type: 'TextBlock',
        text: [safeLine(s.storyBy(story.tellerName, story.customer), 120), s.inspiring(story.endorsements), story.spaceId ? s.fromAnotherTeam : ''].filter(Boolean).join(' · ') + themes,
        wrap: true,
        isSubtle: true,
        size: 'Small',
        spacing: 'None',
      },
    ],
  };
}

function heading(text: string): CardElement {
  return { type: 'TextBlock', text, weight: 'Bolder', spacing: 'Medium', separator: true, wrap: true };
}

export function figuresText(figures: readonly FigureLine[]): string {
  return figures.map((f) => s.figure(f.value, s.figureNames[f.name] ?? [f.name, f.name], f.change)).join(' · ');
}

/**
 * Ways to make a digest smaller, least valued first: applied one after the other only while the
 * card is over the budget of a Teams message (long, markdown-heavy text in every section), so
 * an ordinary week's digest is never cut and a heavy one still posts.
 */
const TRIMS: ((c: DigestContent) => DigestContent)[] = [
  (c) => ({ ...c, networkRecaps: c.networkRecaps?.slice(0, 1) }),
  (c) => ({ ...c, openQuestions: c.openQuestions?.slice(0, 3) }),
  (c) => ({ ...c, lastCall: c.lastCall && { ...c.lastCall, openActions: c.lastCall.openActions.slice(0, 2), firstTimers: c.lastCall.firstTimers.slice(0, 3) } }),
  (c) => ({ ...c, recap: c.recap && { ...c.recap, decisions: c.recap.decisions.slice(0, 2), actions: c.recap.actions.slice(0, 2) } }),
  (c) => ({ ...c, newVoices: c.newVoices.slice(0, 3) }),
  (c) => ({ ...c, networkRecaps: [] }),
  (c) => ({ ...c, stories: c.stories.slice(0, 3), resurfaced: undefined }),
  (c) => ({ ...c, openQuestions: c.openQuestions?.slice(0, 1) }),
];

export function digestCard(content: DigestContent, options: { preview: boolean; voteAction?: VoteAction }): AdaptiveCard {
  let built = buildDigest(content, options);
  for (const trim of TRIMS) {
    if (cardBytes(built) <= CARD_BUDGET_BYTES) break;
    content = trim(content);
    built = buildDigest(content, options);
  }
  return built;
}

function buildDigest(content: DigestContent, options: { preview: boolean; voteAction?: VoteAction }): AdaptiveCard {
  const body: CardElement[] = [];
  const actions: CardAction[] = [];
  const tz = content.timeZone;
  body.push({ type: 'TextBlock', text: s.kicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true });
  body.push({ type: 'TextBlock', text: content.quiet ? s.quietTitle : options.preview ? s.previewTitle : s.title, size: 'Large', weight: 'Bolder', wrap: true, spacing: 'None' });
  if (options.preview && content.quiet) body.push({ type: 'TextBlock', text: s.previewTitle, isSubtle: true, wrap: true, spacing: 'None' });
  body.push({ type: 'TextBlock', text: s.period(day(content.from, tz), day(new Date(content.to.getTime() - 1), tz)), isSubtle: true, spacing: 'None', wrap: true });
  if (options.preview) body.push({ type: 'TextBlock', text: s.previewNote, color: 'Warning', wrap: true, spacing: 'Small' });

  if (content.quiet) {
    if (content.resurfaced) {
      body.push({ type: 'TextBlock', text: s.quietBody, wrap: true });
      body.push(storyBlock(content.resurfaced));
    } else {
      body.push({ type: 'TextBlock', text: s.quietNoStory, wrap: true });
    }
  } else if (content.stories.length) {
    body.push(heading(s.storiesHeading));
    for (const story of content.stories) body.push(storyBlock(story));
  }

  if (content.nextCall) {
    const call = content.nextCall;
    // Teams' date functions: each reader sees the call in their own zone.
    const at = call.startsAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const when = `{{DATE(${at}, LONG)}}, {{TIME(${at})}}`;
    body.push(heading(s.nextCallHeading));
    body.push({ type: 'TextBlock', text: s.nextCallWhen(safeLine(call.title, 120), when), wrap: true });
    if (call.topTopics.length) {
      body.push({
        type: 'TextBlock',
        text: call.topTopics.slice(0, 3).map((t, i) => s.topic(i + 1, safeLine(t.title, 140), t.votes)).join('\n\n'),
        wrap: true,
        spacing: 'Small',
      });
    } else {
      body.push({ type: 'TextBlock', text: s.noTopicsYet, wrap: true, isSubtle: true, spacing: 'Small' });
    }
    if (options.voteAction) actions.push({ ...options.voteAction(call.callId, call.title), title: s.voteButton });
  }

  if (content.recap && !content.quiet) {
    const r = content.recap;
    body.push(heading(s.recapHeading(safeLine(r.title, 120))));
    if (r.decisions.length) {
      body.push({ type: 'TextBlock', text: s.decisions, weight: 'Bolder', size: 'Small', wrap: true, spacing: 'Small' });
      body.push({ type: 'TextBlock', text: r.decisions.slice(0, 5).map((d) => `• ${safeLine(d, 200)}`).join('\n\n'), wrap: true, spacing: 'None' });
    }
    if (r.actions.length) {
      body.push({ type: 'TextBlock', text: s.actions, weight: 'Bolder', size: 'Small', wrap: true, spacing: 'Small' });
      body.push({ type: 'TextBlock', text: r.actions.slice(0, 5).map((d) => `• ${safeLine(d, 200)}`).join('\n\n'), wrap: true, spacing: 'None' });
    }
    const came = content.lastCall && content.lastCall.callId === r.callId ? content.lastCall : undefined;
    if (came && came.turnout > 0) {
      body.push({ type: 'TextBlock', text: s.turnout(came.turnout), wrap: true, spacing: 'Small' });
      if (came.firstTimers.length) body.push({ type: 'TextBlock', text: s.newAtCall(namesLine(came.firstTimers)), wrap: true, spacing: 'None' });
    }
  }

  // Open actions of the last call, until done (its recap, when shown above, lists them already).
  const last = content.lastCall;
  const recapShown = content.recap !== undefined && !content.quiet;
  if (last?.openActions.length && !(recapShown && content.recap?.callId === last.callId)) {
    body.push(heading(s.openActionsHeading(safeLine(last.title, 120))));
    const lines = last.openActions.slice(0, MAX_OPEN_ACTIONS).map((a) => s.openAction(safeLine(a.text, 200), safeLine(a.ownerName, 60), a.due));
    const more = last.openActions.length > MAX_OPEN_ACTIONS ? `\n\n${s.andMore(last.openActions.length - MAX_OPEN_ACTIONS)}` : '';
    body.push({ type: 'TextBlock', text: lines.join('\n\n') + more, wrap: true });
  }

  if (content.newVoices.length && !content.quiet) {
    body.push(heading(s.newVoicesHeading));
    // Each person once, however many rows their contributions left.
    body.push({ type: 'TextBlock', text: s.newVoices(namesLine(content.newVoices)), wrap: true });
  }

  if (content.networkRecaps?.length) {
    body.push(heading(s.networkRecapsHeading));
    for (const r of content.networkRecaps.slice(0, MAX_NETWORK_RECAPS)) {
      body.push({ type: 'TextBlock', text: s.networkRecapTitle(safeLine(r.title, 120), day(r.endedAt, content.timeZone)), weight: 'Bolder', wrap: true, spacing: 'Small' });
      const parts = [
        r.decisions.length ? `${s.decisions}: ${r.decisions.slice(0, MAX_NETWORK_RECAP_ITEMS).map((d) => safeLine(d, 120)).join('; ')}` : '',
        r.actions.length ? `${s.actions}: ${r.actions.slice(0, MAX_NETWORK_RECAP_ITEMS).map((d) => safeLine(d, 120)).join('; ')}` : '',
        r.topics.length ? `${s.networkRecapTopics}: ${r.topics.slice(0, MAX_NETWORK_RECAP_ITEMS).map((d) => safeLine(d, 120)).join('; ')}` : '',
      ].filter(Boolean);
      body.push({ type: 'TextBlock', text: parts.length ? parts.join('\n\n') : s.networkRecapEmpty, wrap: true, spacing: 'None', isSubtle: !parts.length });
    }
    if (content.networkRecaps.length > MAX_NETWORK_RECAPS) body.push({ type: 'TextBlock', text: s.andMore(content.networkRecaps.length - MAX_NETWORK_RECAPS), wrap: true, isSubtle: true, spacing: 'Small' });
  }

  if (content.openQuestions?.length) {
    body.push(heading(s.openQuestionsHeading));
    // The team's own first, then other teams' (the sources keep at most 2 of those), at most MAX_OPEN_QUESTIONS in all.
    const shown = [...content.openQuestions.filter((q) => !q.fromAnotherTeam), ...content.openQuestions.filter((q) => q.fromAnotherTeam)].slice(0, MAX_OPEN_QUESTIONS);
    const own = shown.filter((q) => !q.fromAnotherTeam);
    if (own.length) body.push({ type: 'TextBlock', text: own.map((q) => s.openQuestion(safeLine(q.text, 200), safeLine(q.askerName, 60), safeLine(q.bucket, 40))).join('\n\n'), wrap: true });
    // Another team's: marked as such; the answer belongs in its own thread (a link for that
    // channel's members), or with the asker directly: no button here acts on another team's question.
    for (const q of shown.filter((x) => x.fromAnotherTeam)) {
      body.push({ type: 'TextBlock', text: s.networkQuestion(safeLine(q.text, 200), safeLine(q.askerName, 60), safeLine(q.bucket, 40)), wrap: true });
      if (q.link && q.link.length <= MAX_LINK_CHARS) body.push({ type: 'ActionSet', spacing: 'None', actions: [{ type: 'Action.OpenUrl', title: s.openTheThread, url: q.link }] });
    }
  }

  body.push(heading(s.figuresHeading));
  body.push({ type: 'TextBlock', text: figuresText(content.figures), wrap: true, isSubtle: true });

  return card(body, actions, { fallbackText: s.fallbackText, msteams: { width: 'Full' } });
}

export const SETTINGS_VERB = 'digestSettings';

/** Common IANA zones offered in the settings card, besides the conversation's and the person's own. */
export const COMMON_TIME_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Amsterdam',
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/Madrid',
  'Europe/Helsinki',
  'Africa/Johannesburg',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Sao_Paulo',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
] as const;

/**
 * The settings card: shows what is saved now (after a save, the new values with the notice),
 * and offers the time zone as a choice: the saved one, the person's own, and common zones.
 */
export function settingsCard(
  where: { tenantId: string; conversationId: string },
  current: WeeklySlot & { themes: string[] },
  options: { viewerTimeZone?: string; notice?: Notice } = {},
): AdaptiveCard {
  const time = `${String(current.hour).padStart(2, '0')}:${String(current.minute).padStart(2, '0')}`;
  const zones = [...new Set([current.timeZone, ...(options.viewerTimeZone ? [options.viewerTimeZone] : []), ...COMMON_TIME_ZONES])];
  const label = (z: string): string => (z === options.viewerTimeZone && z !== current.timeZone ? s.settingsYourZone(z) : z);
  return card(
    [
      ...(options.notice ? [noticeBlock(options.notice)] : []),
      { type: 'TextBlock', text: s.kicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true, ...(options.notice ? { spacing: 'Medium' as const } : {}) },
      { type: 'TextBlock', text: s.settingsTitle, size: 'Large', weight: 'Bolder', wrap: true, spacing: 'None' },
      { type: 'TextBlock', text: s.settingsNow(describeSlot(current)), isSubtle: true, wrap: true, spacing: 'None' },
      {
        type: 'Input.ChoiceSet',
        id: 'day',
        label: s.settingsDay,
        style: 'compact',
        value: DAY_NAMES[current.day - 1] ?? 'monday',
        choices: DAY_NAMES.map((d, i) => ({ title: s.dayNames[i] ?? d, value: d })),
        isRequired: true,
        errorMessage: s.settingsDayMissing,
      },
      { type: 'Input.Time', id: 'time', label: s.settingsTime, value: time, isRequired: true, errorMessage: s.settingsTimeMissing },
      {
        type: 'Input.ChoiceSet',
        id: 'timeZone',
        label: s.settingsTimeZone,
        style: 'filtered',
        value: current.timeZone,
        choices: zones.map((z) => ({ title: label(z), value: z })),
        isRequired: true,
        errorMessage: s.settingsTimeZoneMissing,
      },
      { type: 'Input.Text', id: 'themes', label: s.settingsThemes, value: current.themes.join(', '), maxLength: 400 },
    ],
    [{ type: 'Action.Execute', verb: SETTINGS_VERB, title: s.settingsSave, data: { verb: SETTINGS_VERB, tenantId: where.tenantId, conversationId: where.conversationId } }],
  );
}
