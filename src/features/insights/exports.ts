import type { Clock } from '../../clock';
import type { Store } from '../../store/tables';
import { AgendaService } from '../agenda/service';
import { ConnectRepo } from '../connect/repo';
import { CustomersService } from '../customers/service';
import { StoriesService } from '../stories/service';
import { toCsv } from './csv';
import type { DownloadRequest } from './links';
import { ValueRepo, INSIGHT_GOALS_TABLE, INSIGHT_VALUES_TABLE } from './valueRepo';

/**
 * What an export link downloads: the team's data as CSV, read when the link is used (an export
 * reads the whole history of its kind once; it is not a per-turn cost).
 */
export interface Download {
  contentType: string;
  filename: string;
  body: string;
}

export class TeamExports {
  private readonly stories: StoriesService;
  private readonly agenda: AgendaService;
  private readonly customers: CustomersService;
  private readonly values: ValueRepo;
  private readonly questions: ConnectRepo;

  constructor(
    store: Store,
    private readonly clock: Clock,
  ) {
    this.stories = new StoriesService(store, clock);
    this.agenda = new AgendaService(store, clock);
    this.customers = new CustomersService(store, clock);
    this.values = new ValueRepo(store.table(INSIGHT_GOALS_TABLE), store.table(INSIGHT_VALUES_TABLE));
    this.questions = new ConnectRepo(store);
  }

  async build(r: Extract<DownloadRequest, { kind: 'export' }>): Promise<Download> {
    const day = this.clock.now().toISOString().slice(0, 10);
    const csv = (body: string): Download => ({ contentType: 'text/csv; charset=utf-8', filename: `${r.what}-${day}.csv`, body });
    const where = { tenantId: r.tenantId, spaceId: r.spaceId };
    const end = new Date(this.clock.now().getTime() + 1);
    if (r.what === 'stories') {
      // Through summaryOf: an anonymous story's teller and customer are its stand-in here too.
      const [stories, values] = await Promise.all([this.stories.storiesBetween(r.tenantId, r.spaceId, new Date(0), end), this.values.valuesBetween(where, new Date(0), end)]);
      const valueOf = new Map(values.map((v) => [v.storyId, v]));
      return csv(
        toCsv(
          ['story_id', 'created_at', 'teller', 'customer', 'themes', 'tags', 'found_inspiring', 'value', 'value_kind', 'value_amount', 'value_unit', 'value_per', 'value_basis', 'text'],
          stories.map((st) => {
            const v = valueOf.get(st.storyId);
            return [st.storyId, st.createdAt, st.tellerName, st.customer, st.themes.join(' '), st.tags.join(' '), st.endorsements, v?.text, v?.kind, v?.amount, v?.unit, v?.per, v?.basis, st.text];
          }),
        ),
      );
    }
    if (r.what === 'quotes') {
      // Only stories whose teller (or customer contact) approved retelling them, with the
      // approval and the use it was given for; an anonymous one under its stand-in.
      const approved = (await this.stories.storiesBetween(r.tenantId, r.spaceId, new Date(0), end)).filter((st) => st.approved);
      const consents = await Promise.all(approved.map(async (st) => (await this.stories.getStory(where, st.storyId))?.consent));
      return csv(
        toCsv(
          ['story_id', 'created_at', 'teller', 'customer', 'approved_by', 'approved_at', 'approved_use', 'visibility', 'text'],
          approved.map((st, i) => {
            const c = consents[i];
            const approver = st.anonymous ? '' : c?.contact.userName;
            return [st.storyId, st.createdAt, st.tellerName, st.customer, approver, c?.answeredAt, c?.use, st.visibility, st.text];
          }),
        ),
      );
    }
    if (r.what === 'calls') {
      const place = { tenantId: r.tenantId, conversationId: r.conversationId };
      const calls = await this.agenda.repo.listCalls(place);
      const rows = await Promise.all(
        calls.map(async (c) => {
          const [topics, notes] = await Promise.all([this.agenda.repo.listTopics(place, c.callId), this.agenda.repo.listNotes(place, c.callId)]);
          return [c.callId, c.title, new Date(c.startsAt), c.durationMin, c.cadence, c.status, c.createdByName, topics.length, notes.filter((n) => n.kind === 'decision').length, notes.filter((n) => n.kind === 'action').length, notes.length];
        }),
      );
      return csv(toCsv(['call_id', 'title', 'starts_at', 'duration_min', 'cadence', 'status', 'created_by', 'topics', 'decisions', 'actions', 'notes'], rows));
    }
    if (r.what === 'customers') {
      const list = await this.customers.list(where);
      return csv(
        toCsv(
          ['name', 'domains', 'crm_id', 'stories', 'active_people_90d', 'last_touch', 'days_since_touch', 'drifting', 'questions', 'calls_attended'],
          list.map((v) => [
            v.customer.name,
            v.customer.domains.join(' '),
            v.customer.crmId,
            v.customer.stories,
            v.activePeople,
            v.customer.lastTouchAt ? new Date(v.customer.lastTouchAt) : undefined,
            v.daysSinceTouch,
            v.drifting,
            v.customer.questions,
            v.customer.callsAttended,
          ]),
        ),
      );
    }
    // Questions: the team's own (another team's network question is theirs to export).
    const questions = await this.questions.listQuestions(where);
    return csv(
      toCsv(
        ['question_id', 'asked_at', 'asked_by', 'themes', 'visibility', 'answers', 'first_answer_at', 'accepted_answer_from', 'status', 'text'],
        questions.map((q) => [
          q.questionId,
          q.createdAt,
          q.asker.userName,
          q.themes.join(' '),
          q.visibility ?? 'team',
          q.answerIds.length,
          q.firstAnswerAt,
          q.accepted?.answerer.userName,
          q.accepted ? 'accepted' : q.answerIds.length ? 'answered' : 'open',
          q.text,
        ]),
      ),
    );
  }
}
