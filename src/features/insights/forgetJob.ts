import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../../clock';
import { RunClaims } from '../../jobs/claims';
import { STEPPED_JOBS_TABLE, type StepResult, type SteppedWork } from '../../jobs/steps';
import { decodeKeyPart } from '../../store/keys';
import { statusOf, type Store } from '../../store/tables';
import type { ConversationRef, OutMessage } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import { AGENDA_TABLES } from '../agenda/repo';
import { STORIES_TABLE } from '../stories/repo';
import { StoriesService } from '../stories/service';
import { DOWNLOAD_LINKS_TABLE } from './links';
import { mentions, needlesOf, ownRow, scrubbedProps, type ForgetReport, type Needles, type Person, type Row } from './privacy';
import { personTag } from './repo';
import { INSIGHT_VALUES_TABLE } from './valueRepo';

/**
 * Forget me as stepped work (src/jobs/steps.ts): the confirming turn records the request and
 * answers; the walk of the store goes on in bounded steps of one page each, its progress
 * recorded after every page, so a process that dies mid-way is taken over where it stopped.
 * Every step is idempotent: a page done twice deletes what is gone already (404 is fine) and
 * rewrites rows that no longer name the person (nothing to change).
 *
 * Phases, in order (the order of privacy.ts):
 * 1. `stories`: pages of the stories table: with `delete` the stories they told are deleted
 *    (through the stories service, so indexes go too); endorsements they gave are withdrawn.
 * 2. `rows`: every table the bot owns (but this job's own progress table), page by page: lists
 *    that quote a deleted story drop it; rows that are theirs are deleted; rows that name them
 *    are rewritten.
 * 3. `notify`: the person is told in their personal chat, once (a run claim per job).
 */
export const FORGET_KIND = 'privacy.forget';
/** Rows read per step: a step is a page (and the writes it needs), a few seconds at most. */
export const FORGET_PAGE = 100;

export interface ForgetState {
  jobId: string;
  person: Person;
  choice: 'delete' | 'anonymise';
  /** The person's personal chat (a stored reference), to tell them when it is done; empty when they have none (an external person asking in a channel). */
  chat: string;
  phase: 'stories' | 'rows' | 'notify';
  tables: string[];
  table: number;
  /** Where the walk of the current table stopped (Azure Tables' continuation token). */
  token?: string;
  deletedStories: string[];
  report: ForgetReport;
}

export function newForgetState(jobId: string, person: Person, choice: 'delete' | 'anonymise', chat: ConversationRef | undefined): ForgetState {
  return {
    jobId,
    person,
    choice,
    chat: chat ? JSON.stringify(chat) : '',
    phase: 'stories',
    tables: [],
    table: 0,
    deletedStories: [],
    report: { storiesDeleted: 0, endorsementsWithdrawn: 0, rowsDeleted: 0, rowsChanged: 0 },
  };
}

export interface ForgetDeps {
  store: Store;
  clock: Clock;
  claims: RunClaims;
  /** Waits for counter writes in flight, so none lands after the person is forgotten. */
  settled(): Promise<void>;
  post(chat: ConversationRef, message: OutMessage): Promise<unknown>;
  done(choice: 'delete' | 'anonymise', report: ForgetReport): string;
}

async function page(client: TableClient, token: string | undefined, filter?: string): Promise<{ rows: Row[]; token?: string }> {
  const pages = client.listEntities<Record<string, unknown>>(filter ? { queryOptions: { filter } } : {}).byPage({ maxPageSize: FORGET_PAGE, ...(token ? { continuationToken: token } : {}) });
  const next = await pages.next();
  if (next.done || !next.value) return { rows: [] };
  const value = next.value as Row[] & { continuationToken?: string };
  return { rows: [...value], ...(value.continuationToken ? { token: value.continuationToken } : {}) };
}

const ignore404 = (err: unknown): void => {
  if (statusOf(err) !== 404) throw err;
};

export function forgetWork(deps: ForgetDeps): SteppedWork<ForgetState> {
  const stories = new StoriesService(deps.store, deps.clock);

  async function storiesStep(st: ForgetState): Promise<ForgetState> {
    const { person } = st;
    const me = { userId: person.userId, userName: person.userName };
    const { rows, token } = await page(deps.store.table(STORIES_TABLE), st.token, "RowKey ge 's|' and RowKey lt 's}'");
    const report = { ...st.report };
    const deleted = [...st.deletedStories];
    for (const row of rows) {
      if (row.deleted) continue;
      const told = row.tellerId === person.userId;
      const endorsed = typeof row.endorsers === 'string' && (JSON.parse(row.endorsers) as unknown[]).includes(person.userId);
      const [tenantId, spaceId] = (row.partitionKey ?? '').split('|').map(decodeKeyPart);
      if (!(told || endorsed) || tenantId !== person.tenantId || !spaceId) continue;
      const where = { tenantId, spaceId };
      const storyId = String(row.storyId);
      if (told && st.choice === 'delete') {
        await stories.deleteStory(where, storyId, me);
        report.storiesDeleted++;
        if (!deleted.includes(storyId)) deleted.push(storyId);
      } else if (endorsed) {
        const { changed } = await stories.setEndorsement(where, storyId, me, false);
        if (changed) report.endorsementsWithdrawn++;
      }
    }
    if (token) return { ...st, token, report, deletedStories: deleted };
    if (!deps.store.listTables) throw new Error('this store cannot list its tables');
    const tables = (await deps.store.listTables()).filter((t) => t !== STEPPED_JOBS_TABLE).sort();
    const { token: _done, ...rest } = st;
    return { ...rest, phase: 'rows', tables, table: 0, report, deletedStories: deleted };
  }

  /** A list that quotes deleted stories (Connect's recent stories per theme) without them; the row as written. */
  async function dropDeletedEntries(client: TableClient, row: Row, deleted: ReadonlySet<string>): Promise<{ row: Row; changed: boolean }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (typeof row.entries !== 'string' || !row.entries.includes('storyId')) return { row, changed: false };
      let list: unknown;
      try {
        list = JSON.parse(row.entries);
      } catch {
        return { row, changed: false };
      }
      if (!Array.isArray(list)) return { row, changed: false };
      const kept = list.filter((e) => !(typeof e === 'object' && e !== null && deleted.has(String((e as { storyId?: unknown }).storyId))));
      if (kept.length === list.length) return { row, changed: false };
      try {
        const entries = JSON.stringify(kept);
        const res = await client.updateEntity({ partitionKey: row.partitionKey ?? '', rowKey: row.rowKey ?? '', entries }, 'Merge', { etag: row.etag });
        return { row: { ...row, entries, etag: res.etag ?? row.etag }, changed: true };
      } catch (err) {
        if (statusOf(err) === 404) return { row, changed: false };
        if (statusOf(err) !== 412) throw err;
        row = (await client.getEntity<Record<string, unknown>>(row.partitionKey ?? '', row.rowKey ?? '')) as Row;
      }
    }
    return { row, changed: false };
  }

  async function rowsStep(st: ForgetState, n: Needles): Promise<ForgetState> {
    const name = st.tables[st.table];
    if (name === undefined) {
      const { token: _t, ...rest } = st;
      return { ...rest, phase: 'notify' };
    }
    const client = deps.store.table(name);
    const { rows, token } = await page(client, st.token);
    const report = { ...st.report };
    const tag = personTag(st.person.tenantId, st.person.userId);
    const deleted = new Set(st.deletedStories);
    const authored = (row: Row): boolean =>
      st.choice === 'delete' &&
      ((name === AGENDA_TABLES.notes && row.authorId === st.person.userId) || (name === AGENDA_TABLES.topics && row.proposedBy === st.person.userId) || (name === INSIGHT_VALUES_TABLE && row.tellerTag === tag));
    for (let row of rows) {
      if (deleted.size) {
        const dropped = await dropDeletedEntries(client, row, deleted);
        row = dropped.row;
        if (dropped.changed) report.rowsChanged++;
      }
      if (!mentions(row, n)) continue;
      const personalReference = typeof row.reference === 'string' && row.reference.includes('"personal"');
      if (ownRow(row, n) || authored(row) || name === DOWNLOAD_LINKS_TABLE || personalReference) {
        await client.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '').catch(ignore404);
        report.rowsDeleted++;
        continue;
      }
      if (await scrub(client, row, n)) report.rowsChanged++;
    }
    if (token) return { ...st, token, report };
    const { token: _t, ...rest } = st;
    return { ...rest, table: st.table + 1, report };
  }

  /** Rewrites what names the person; the row's eTag guards against a concurrent change (then read again). */
  async function scrub(client: TableClient, row: Row, n: Needles): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const changed = scrubbedProps(row, n);
      if (!Object.keys(changed).length) return false;
      try {
        await client.updateEntity({ partitionKey: row.partitionKey ?? '', rowKey: row.rowKey ?? '', ...changed }, 'Merge', { etag: row.etag });
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        if (statusOf(err) !== 412) throw err;
        row = (await client.getEntity<Record<string, unknown>>(row.partitionKey ?? '', row.rowKey ?? '')) as Row;
      }
    }
    throw new Error('a row kept changing while it was being rewritten');
  }

  /** Tells the person, once: the run is claimed; a failed post is retried on a later pass. */
  async function notifyStep(st: ForgetState): Promise<StepResult<ForgetState>> {
    const run = { tenantId: st.person.tenantId, job: FORGET_KIND, scope: st.jobId, runKey: 'done' };
    const now = deps.clock.now();
    if ((await deps.claims.status(run)) === 'done') return { state: st, done: true };
    if ((await deps.claims.claimAttempt(run, now, 5 * 60_000)) === undefined) throw new Error('the notice is being sent by another instance');
    const chat = parseReference(st.chat);
    try {
      if (chat) await deps.post(chat, { text: deps.done(st.choice, st.report) });
    } catch (err) {
      const status = statusOf(err);
      // 403/404: the person removed or blocked the app; there is nobody to tell.
      if (status !== 403 && status !== 404) {
        await deps.claims.retryLater(run, now, 60_000, 'post failed');
        throw err;
      }
    }
    await deps.claims.complete(run, now);
    return { state: st, done: true };
  }

  return {
    kind: FORGET_KIND,
    async step(st) {
      await deps.settled();
      if (st.phase === 'stories') return { state: await storiesStep(st), done: false };
      if (st.phase === 'rows') return { state: await rowsStep(st, needlesOf(st.person)), done: false };
      return notifyStep(st);
    },
  };
}
