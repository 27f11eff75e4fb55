import type { Clock } from '../../clock';
import type { Store } from '../../store/tables';
import { openAgendaAction } from '../agenda/cards';
import { AGENDA_TABLES } from '../agenda/repo';
import { AgendaService } from '../agenda/service';
import { ContributionsRepo, CONTRIBUTIONS_TABLE } from '../../people/contributions';
import { ConnectRepo, QUESTIONS_TABLE } from '../connect/repo';
import { QuestionNetwork, QUESTION_NETWORK_TABLE } from '../connect/network';
import { STORIES_TABLE } from '../stories/repo';
import { STORY_NETWORK_TABLE } from '../stories/network';
import { StoriesService } from '../stories/service';
import type { DigestStory } from './curate';
import { Attendance, ATTENDANCE_TABLE, ATTENDEES_TABLE } from '../call/attendance';
import type { LastCallSummary, NetworkRecapSummary, NextCallSummary, OpenQuestionSummary, RecapSummary, VoteAction } from './cards';

/**
 * What the digest reads from the other rooms (stories, agenda, contributions), as plain values.
 * Every read is a range or point query over the week, never a scan of a channel's history.
 */
export interface DigestSources {
  storiesBetween(tenantId: string, spaceId: string, from: Date, to: Date): Promise<DigestStory[]>;
  mostEndorsed(tenantId: string, spaceId: string, limit: number): Promise<DigestStory[]>;
  nextCall(tenantId: string, conversationId: string, now: Date): Promise<NextCallSummary | undefined>;
  /** Calls that ended in [from, to), newest last. */
  recapsBetween(tenantId: string, conversationId: string, from: Date, to: Date): Promise<RecapSummary[]>;
  activityBetween(tenantId: string, conversationId: string, from: Date, to: Date): Promise<{ topics: number; votes: number }>;
  /** The last call that ended before `before`: its turnout, first-time attendees and open actions (two partition reads). */
  lastCall?(tenantId: string, conversationId: string, before: Date): Promise<LastCallSummary | undefined>;
  /** People who contributed for the first time in [from, to), and how many were active since `from`: one read. */
  contributors(tenantId: string, spaceId: string, from: Date, to: Date): Promise<{ newVoices: string[]; active: number }>;
  /** Questions of the space nobody has answered yet, asked by `before`, newest first (one read of the open list), then other teams' network ones. */
  openQuestions?(tenantId: string, spaceId: string, before: Date, limit: number): Promise<OpenQuestionSummary[]>;
  /** Other teams' call recaps shared with the network, of calls that ended in [from, to) (agenda/network.ts). */
  networkRecapsBetween?(tenantId: string, spaceId: string, from: Date, to: Date): Promise<NetworkRecapSummary[]>;
  /** The agenda's "open / vote" button, when the agenda feature offers one. */
  voteAction?: VoteAction;
}

/** Places in "Open questions you could answer" kept for other teams' network questions. */
const NETWORK_QUESTION_SLOTS = 2;

/** The live sources: the stories and agenda services and the contributions repo, read as plain values. */
export function createDigestSources(store: Store, clock: Clock): DigestSources {
  const stories = new StoriesService(store, clock);
  const agenda = new AgendaService(store, clock);
  const contributions = new ContributionsRepo(store.table(CONTRIBUTIONS_TABLE));
  const questions = new ConnectRepo(store);
  const questionNetwork = new QuestionNetwork(store.table(QUESTION_NETWORK_TABLE));
  const attendance = new Attendance(store.table(ATTENDANCE_TABLE), store.table(ATTENDEES_TABLE));
  return {
    // The space's own stories and other teams' network stories (the tenant's network index,
    // one key range): another team's team-only story is never read.
    storiesBetween: async (tenantId, spaceId, from, to) => (await Promise.all([stories.storiesBetween(tenantId, spaceId, from, to), stories.networkStoriesBetween(tenantId, spaceId, from, to)])).flat(),
    mostEndorsed: (tenantId, spaceId, limit) => stories.mostEndorsed(tenantId, spaceId, limit),
    async nextCall(tenantId, conversationId, now) {
      const call = await agenda.nextCall(tenantId, conversationId, now);
      return call ? { callId: call.callId, title: call.title, startsAt: call.startsAt, topTopics: call.topTopics } : undefined;
    },
    async recapsBetween(tenantId, conversationId, from, to) {
      return (await agenda.recapsBetween(tenantId, conversationId, from, to)).map((r) => ({ callId: r.callId, title: r.title, decisions: r.decisions, actions: r.actions }));
    },
    async lastCall(tenantId, conversationId, before) {
      const call = await agenda.lastEndedCall(tenantId, conversationId, before);
      if (!call) return undefined;
      const turnout = await attendance.turnout({ tenantId, conversationId }, call.callId);
      return { ...call, turnout: turnout.count, firstTimers: turnout.firstTimers };
    },
    activityBetween: (tenantId, conversationId, from, to) => agenda.activityBetween(tenantId, conversationId, from, to),
    async contributors(tenantId, spaceId, from, to) {
      const all = await contributions.list({ tenantId, spaceId });
      return {
        newVoices: all.filter((c) => c.firstAt >= from && c.firstAt < to).map((c) => c.userName),
        active: all.filter((c) => c.lastAt >= from).length,
      };
    },
    // The space's own open questions, then other teams' network questions (the tenant's index,
    // one key range: another team's team-only question is never read), which keep up to
    // NETWORK_QUESTION_SLOTS places so a busy team still hears of the network's.
    async openQuestions(tenantId, spaceId, before, limit) {
      const asked = (q: { createdAt: number }): boolean => q.createdAt <= before.getTime();
      const [open, elsewhere] = await Promise.all([
        questions.openQuestions({ tenantId, spaceId }, limit + 20),
        questionNetwork.newest(tenantId, limit + 20).then((rows) => rows.filter((r) => r.spaceId !== spaceId && asked(r))),
      ]);
      const own = open.filter(asked).slice(0, limit - Math.min(NETWORK_QUESTION_SLOTS, elsewhere.length));
      return [
        ...own.map((q) => ({ text: q.text, askerName: q.askerName, bucket: q.bucket, askedAt: new Date(q.createdAt) })),
        ...elsewhere.slice(0, limit - own.length).map((q) => ({ text: q.text, askerName: q.askerName, bucket: q.bucket, askedAt: new Date(q.createdAt), fromAnotherTeam: true, ...(q.link ? { link: q.link } : {}) })),
      ];
    },
    networkRecapsBetween: (tenantId, spaceId, from, to) => agenda.networkRecapsBetween(tenantId, spaceId, from, to),
    voteAction: openAgendaAction,
  };
}

/** Tables the digest reads (owned by other features; created here too so a digest never meets a missing table). */
export const SOURCE_TABLES: readonly string[] = [STORIES_TABLE, STORY_NETWORK_TABLE, ...Object.values(AGENDA_TABLES), CONTRIBUTIONS_TABLE, QUESTIONS_TABLE, QUESTION_NETWORK_TABLE, ATTENDANCE_TABLE, ATTENDEES_TABLE];
