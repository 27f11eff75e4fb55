import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Store } from '../store/tables';
import type { Door, Poster } from '../teams/door';
import type { BotEvents } from '../teams/events';
import type { LiveInstances } from '../jobs/instances';

/**
 * A feature is one room of the product (agenda, stories, digest...). It names the tables it
 * owns; `create` is its factory, called once from app.ts: it registers what the feature handles
 * through the door (src/teams/door.ts: commands, card verbs, message actions, lifecycle
 * events, jobs) and returns the running feature, whose `stop()` is called at shutdown.
 * Nothing here exposes a Teams SDK type.
 */
/**
 * A plain HTTP GET a feature serves (outside Teams: a calendar file behind a signed link).
 * `path` is a restify path (`/calendar/:token`); the answer is a status and a text body.
 */
export interface WebAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export interface WebRoute {
  path: string;
  handle(params: Record<string, string>): Promise<WebAnswer>;
}

export interface FeatureHost {
  door: Door;
  /** Posting outside a turn (scheduled jobs, coalesced card updates). */
  poster: Poster;
  store: Store;
  config: Config;
  log: Logger;
  clock: Clock;
  events: BotEvents;
  /** GET routes a feature serves over plain HTTP; the server registers them. */
  web: WebRoute[];
  /** The instances alive (budgets shared among them divide by their count; jobs/instances.ts). */
  instances: LiveInstances;
  /** True once the app began stopping: long-running jobs take no new work and finish what they hold. */
  stopping(): boolean;
}

export interface RunningFeature {
  stop(): Promise<void>;
  /**
   * The drain deadline passed with work still held: give back what was not finished (claims,
   * queue leases) so another instance takes it over at once rather than after the lease.
   */
  release?(): Promise<void>;
}

export interface Feature {
  name: string;
  tables: readonly string[];
  create(host: FeatureHost): RunningFeature;
}

/** For features with nothing to stop. */
export const nothingToStop: RunningFeature = { stop: async () => undefined };
