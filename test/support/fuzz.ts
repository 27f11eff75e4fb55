import { randomUUID } from 'node:crypto';
import { ALICE, BOB, type Activity, type TeamsBuilder } from './activities';

/**
 * Generated activities: each one a valid Teams activity (built by TeamsBuilder) with one to three
 * fields mutated: removed, set to null, to another type, to odd or oversized strings (unicode,
 * surrogates, control characters), to arrays and objects, or given extra fields. Seeded
 * (mulberry32), so a failing seed replays exactly.
 *
 * serviceUrl is never replaced by another reachable https URL: the bot would post there (off this
 * machine). Its mutations are refused schemes, garbage and wrong types.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Generated {
  activity: Activity;
  /** Unique conversation id given before mutation (posts for it are attributed to this activity). */
  conversationId: string;
  mutations: string[];
}

export class ActivityFuzzer {
  private readonly random: () => number;
  private n = 0;

  constructor(
    readonly seed: number,
    private readonly teams: TeamsBuilder,
  ) {
    this.random = rng(seed);
  }

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private base(conversationId: string): Activity {
    const where = { conversationId, teamId: `19:fuzz-team-${this.int(4)}@thread.tacv2`, from: this.random() < 0.5 ? ALICE : BOB };
    const scope = this.pick(['channel', 'groupChat', 'personal'] as const);
    const text = this.pick(['help', 'hello there', '', 'topic Pricing for the next call', 'note remember the slides', 'agenda', 'stories', 'themes', 'digest', 'unknown-command x']);
    const message = { id: `${this.int(1e9)}`, html: '<p>We won the customer back</p>', from: BOB };
    const builders: (() => Activity)[] = [
      () => this.teams.channelMessage(text, where),
      () => this.teams.personalMessage(text, where),
      () => this.teams.groupMessage(text, where),
      () => this.teams.cardSubmit({ verb: this.pick(['help', 'vote', 'x']), id: `${this.int(100)}` }, where, scope),
      () => this.teams.cardAction(this.pick(['agenda.vote', 'story.inspiring', 'digest.settings', 'nope']), { id: `${this.int(100)}` }, where, scope),
      () => this.teams.messageActionFetch('saveStory', message, where),
      () => this.teams.messageActionSubmit('saveStory', { title: 'A story', body: 'It went well' }, message, where),
      () => this.teams.botAdded(scope, where),
      () => this.teams.botRemoved(scope, where),
      () => this.teams.installationUpdate(this.pick(['add', 'remove'] as const), scope, where),
    ];
    return this.pick(builders)();
  }

  /** A value of a random kind: the mutations a field receives. */
  private value(): Json | undefined {
    const strings = [
      '',
      ' ',
      'x',
      '5',
      'true',
      '\u0000',
      '\ud800',
      'a\udc00b',
      '\u001b[2J',
      '\u202eevil',
      'e\u0301\u0301\u0301',
      '😀'.repeat(100),
      'ﷺ'.repeat(50),
      'javascript:alert(1)',
      'data:text/html,x',
      'file:///etc/passwd',
      'ftp://example.com/',
      'http://example.com/',
      '<at>Coach</at>',
      '../../etc/passwd',
      "'; DROP TABLE x; --",
      '%00%2F',
      'x'.repeat(257),
      'y'.repeat(513),
      'z'.repeat(5000),
    ];
    switch (this.int(12)) {
      case 0:
        return undefined;
      case 1:
        return null;
      case 2:
        return this.pick([0, -1, 5, 1e308, -0.5, Number.MAX_SAFE_INTEGER]);
      case 3:
        return this.random() < 0.5;
      case 4:
        return [];
      case 5:
        return [null];
      case 6:
        return ['x'];
      case 7:
        return {};
      case 8:
        return { id: this.pick(strings), name: this.pick(strings) };
      case 9:
        return [{ type: 'mention' }, { type: 'mention', mentioned: { name: 'X' } }][this.int(2)]!;
      default:
        return this.pick(strings);
    }
  }

  /** Every path in the activity (objects and leaves), as key lists. */
  private paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
    if (prefix.length > 0) out.push(prefix);
    if (prefix.length >= 4) return out;
    if (Array.isArray(value)) value.forEach((v, i) => this.paths(v, [...prefix, i], out));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) this.paths(v, [...prefix, k], out);
    return out;
  }

  private mutate(activity: Record<string, Json>): string {
    const kind = this.int(10);
    if (kind === 0) {
      // An extra field somewhere.
      const targets = this.paths(activity).filter((p) => {
        const v = get(activity, p);
        return v !== null && typeof v === 'object' && !Array.isArray(v);
      });
      const at = targets.length > 0 && this.random() < 0.7 ? this.pick(targets) : [];
      const name = this.pick(['extra', '__proto__', 'constructor', 'x'.repeat(300), '\u0000', 'value', 'text']);
      const holder = (at.length === 0 ? activity : get(activity, at)) as Record<string, Json>;
      const v = this.value();
      if (v !== undefined) Object.defineProperty(holder, name, { value: v, enumerable: true, configurable: true, writable: true });
      return `extra ${at.join('.')}.${name.slice(0, 20)}`;
    }
    if (kind === 1) {
      const type = this.pick(['message', 'invoke', 'conversationUpdate', 'installationUpdate', 'typing', 'messageReaction', 'event', 'endOfConversation', 'messageUpdate', 'messageDelete', 'handoff', 'MESSAGE', '', 'x'.repeat(100)]);
      activity.type = type;
      return `type=${type.slice(0, 20)}`;
    }
    if (kind === 2) {
      const url = this.pick(['javascript:alert(1)', 'data:text/plain,x', 'file:///etc/passwd', 'ftp://example.com/', 'http://example.com/', 'not a url', '', 'https://', 'http://user:pw@127.0.0.1:1/']);
      activity.serviceUrl = url;
      return `serviceUrl=${url.slice(0, 20)}`;
    }
    const paths = this.paths(activity).filter((p) => p[0] !== 'serviceUrl');
    const path = this.pick(paths);
    const v = this.value();
    set(activity, path, v);
    return `${path.join('.')}=${v === undefined ? 'missing' : JSON.stringify(v).slice(0, 20)}`;
  }

  next(): Generated {
    this.n += 1;
    const conversationId = `19:fuzz-${this.seed}-${this.n}-${randomUUID().slice(0, 8)}@thread.tacv2`;
    const activity = JSON.parse(JSON.stringify(this.base(conversationId))) as Record<string, Json>;
    activity.id = `fuzz-${this.seed}-${this.n}`;
    const mutations: string[] = [];
    const count = 1 + this.int(3);
    for (let i = 0; i < count; i++) mutations.push(this.mutate(activity));
    return { activity: activity as unknown as Activity, conversationId, mutations };
  }
}

function get(root: Json, path: (string | number)[]): Json | undefined {
  let at: Json | undefined = root;
  for (const p of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, Json>)[p as string];
  }
  return at;
}

function set(root: Record<string, Json>, path: (string | number)[], value: Json | undefined): void {
  const parent = get(root, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object' || parent === undefined) return;
  const last = path.at(-1)!;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(Number(last), 1);
    else parent[Number(last)] = value;
  } else if (value === undefined) {
    delete (parent as Record<string, Json>)[last as string];
  } else {
    (parent as Record<string, Json>)[last as string] = value;
  }
}
