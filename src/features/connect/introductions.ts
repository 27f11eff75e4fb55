import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import { key, timeKey } from '../../store/keys';
import { mutateEntity } from '../../store/etag';
import { getEntityOrUndefined, insertIfAbsent, listPartition, type Store } from '../../store/tables';
import type { Person, Space } from './model';
import { CONNECT_PEOPLE_TABLE, type ConnectRepo } from './repo';
import { connectStrings as s } from './strings';

/**
 * Warm introductions: "Introduce me" asks a person who knows a theme, in their personal chat,
 * whether they would talk to the requester. One introduction per requester and person in a
 * space (an insert only one press wins). On "Happy to talk" both get a link to a chat with the
 * other; on "Not now" the requester is told nothing (never a reason). 14 days after an accepted
 * introduction both are asked once whether it helped.
 *
 * connectpeople  PK tenant|space|intro   RK requester|person: the introduction
 *                PK introdue|YYYY-MM-DD  RK time|tenant|space|requester|person: follow-ups due that day
 */
export const FOLLOW_UP_DAYS = 14;
const DAY_MS = 86_400_000;
const LOOKBACK_DAYS = 7;

export type IntroStatus = 'opening' | 'pending' | 'accepted' | 'declined';

export interface Introduction extends Space {
  requester: Person;
  person: Person;
  themes: string[];
  status: IntroStatus;
  createdAt: Date;
  /** Serialised references (the routes' own): the person's and the requester's personal chats, and where it was asked. */
  personChat?: string;
  requesterChat?: string;
  origin: string;
  followedUp?: boolean;
}

interface Row {
  requesterId: string;
  requesterName: string;
  personId: string;
  personName: string;
  themes: string;
  status: IntroStatus;
  createdAt: number;
  personChat?: string;
  requesterChat?: string;
  origin: string;
  followedUp?: boolean;
}

const pk = (w: Space): string => key(w.tenantId, w.spaceId, 'intro');
const rk = (requesterId: string, personId: string): string => key(requesterId, personId);
const duePk = (day: Date): string => key('introdue', day.toISOString().slice(0, 10));

function fromRow(w: Space, r: Row): Introduction {
  return {
    tenantId: w.tenantId,
    spaceId: w.spaceId,
    requester: { userId: r.requesterId, userName: r.requesterName },
    person: { userId: r.personId, userName: r.personName },
    themes: JSON.parse(r.themes) as string[],
    status: r.status,
    createdAt: new Date(r.createdAt),
    ...(r.personChat ? { personChat: r.personChat } : {}),
    ...(r.requesterChat ? { requesterChat: r.requesterChat } : {}),
    origin: r.origin,
    ...(r.followedUp ? { followedUp: true } : {}),
  };
}

export class Introductions {
  private readonly table;

  constructor(store: Store, private readonly clock: Clock, private readonly connect: ConnectRepo) {
    this.table = store.table(CONNECT_PEOPLE_TABLE);
  }

  /**
   * "Introduce me": the person must be someone Connect would suggest on these themes in this
   * space (on a theme's list, not opted out), never the requester. Returns the introduction in
   * state `opening`; the routes open the chat, then call `opened` (or `abandon`).
   */
  async request(where: Space, requester: Person, personId: string, themes: string[], origin: string): Promise<Introduction> {
    if (personId === requester.userId) throw new UserError(s.introduceSelf);
    const [hidden, lists, routes] = await Promise.all([
      this.connect.hiddenPeople(where.tenantId),
      Promise.all(themes.map((t) => this.connect.topOn(where, t))),
      Promise.all(themes.map((t) => this.connect.getRoute(where, t))),
    ]);
    // Someone on a theme's list, or a person the theme is routed to (`buckets set`).
    const row = lists.flat().find((r) => r.personId === personId) ?? routes.flatMap((r) => r?.owners ?? []).map((o) => ({ personId: o.userId, name: o.userName })).find((o) => o.personId === personId);
    if (!row || hidden.has(personId)) throw new UserError(s.notIntroducible);
    const created: Row = { requesterId: requester.userId, requesterName: requester.userName, personId, personName: row.name, themes: JSON.stringify(themes), status: 'opening', createdAt: this.clock.now().getTime(), origin };
    if (!(await insertIfAbsent(this.table, { partitionKey: pk(where), rowKey: rk(requester.userId, personId), ...created }))) {
      const existing = await getEntityOrUndefined<Row>(this.table, pk(where), rk(requester.userId, personId));
      // A press whose chat never opened (a crash in between) may try again; anything else was asked already.
      if (existing && existing.status !== 'opening') throw new UserError(s.introAlready(existing.personName));
    }
    return fromRow(where, created);
  }

  async opened(intro: Introduction, personChat: string): Promise<void> {
    await this.table.updateEntity({ partitionKey: pk(intro), rowKey: rk(intro.requester.userId, intro.person.userId), status: 'pending', personChat }, 'Merge');
  }

  /** The chat could not be opened: nothing of the introduction is kept. */
  async abandon(intro: Introduction): Promise<void> {
    await this.table.deleteEntity(pk(intro), rk(intro.requester.userId, intro.person.userId)).catch(() => undefined);
  }

  /**
   * The person's answer. Only the person the introduction was for can answer (their id is in the
   * key); the same answer again changes nothing; the other answer after one was given is refused.
   */
  async respond(where: Space, requesterId: string, person: Person, answer: 'accepted' | 'declined'): Promise<{ intro: Introduction; changed: boolean }> {
    let refusal: UserError | undefined;
    const { before, after } = await mutateEntity<Row>(this.table, pk(where), rk(requesterId, person.userId), (row) => {
      refusal = undefined;
      if (!row || row.status === 'opening') {
        refusal = new UserError(s.introNotFound);
        return undefined;
      }
      if (row.status === answer) return undefined;
      if (row.status !== 'pending') {
        refusal = new UserError(s.introAnswered);
        return undefined;
      }
      return { ...stripRow(row), status: answer };
    });
    if (refusal) throw refusal;
    const current = after ?? before;
    if (!current) throw new UserError(s.introNotFound);
    const intro = fromRow(where, stripRow(current as Row));
    if (after && answer === 'accepted') {
      const at = new Date(this.clock.now().getTime() + FOLLOW_UP_DAYS * DAY_MS);
      await this.table.upsertEntity({ partitionKey: duePk(at), rowKey: timeKey(at, key(where.tenantId, where.spaceId, requesterId, person.userId)), tenantId: where.tenantId, spaceId: where.spaceId, requesterId, personId: person.userId, dueAt: at.getTime() }, 'Replace');
    }
    return { intro, changed: after !== undefined };
  }

  async setRequesterChat(intro: Introduction, requesterChat: string): Promise<void> {
    await this.table.updateEntity({ partitionKey: pk(intro), rowKey: rk(intro.requester.userId, intro.person.userId), requesterChat }, 'Merge');
  }

  async get(where: Space, requesterId: string, personId: string): Promise<Introduction | undefined> {
    const row = await getEntityOrUndefined<Row>(this.table, pk(where), rk(requesterId, personId));
    return row ? fromRow(where, row) : undefined;
  }

  /** Follow-ups due by now, from the day partitions of the last week. */
  async dueFollowUps(now: Date): Promise<{ tenantId: string; spaceId: string; requesterId: string; personId: string; partitionKey: string; rowKey: string }[]> {
    const days = Array.from({ length: LOOKBACK_DAYS }, (_, i) => new Date(now.getTime() - i * DAY_MS));
    const lists = await Promise.all(days.map((d) => listPartition<{ tenantId: string; spaceId: string; requesterId: string; personId: string }>(this.table, duePk(d), { to: timeKey(new Date(now.getTime() + 1)) })));
    return lists.flat().map((r) => ({ tenantId: r.tenantId, spaceId: r.spaceId, requesterId: r.requesterId, personId: r.personId, partitionKey: r.partitionKey ?? '', rowKey: r.rowKey ?? '' }));
  }

  async followedUp(intro: Introduction, due: { partitionKey: string; rowKey: string }): Promise<void> {
    await this.table.updateEntity({ partitionKey: pk(intro), rowKey: rk(intro.requester.userId, intro.person.userId), followedUp: true }, 'Merge');
    await this.dropDue(due);
  }

  async dropDue(due: { partitionKey: string; rowKey: string }): Promise<void> {
    await this.table.deleteEntity(due.partitionKey, due.rowKey).catch(() => undefined);
  }
}

function stripRow(row: Row & { partitionKey?: string; rowKey?: string; etag?: string; timestamp?: string }): Row {
  const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...rest } = row;
  return rest;
}
