import type { TurnState, Application } from '@microsoft/teams-ai';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Store } from '../store/tables';
import type { CommandRegistry } from '../teams/commands';
import type { Proactive } from '../teams/proactive';
import type { JobRunner } from '../jobs/runner';
import type { BotEvents } from '../teams/events';

/**
 * A feature is one room of the product (agenda, stories, digest...). It names the tables it
 * owns and registers its routes, commands and scheduled jobs on the host.
 */
export interface FeatureHost {
  app: Application<TurnState>;
  commands: CommandRegistry;
  store: Store;
  config: Config;
  log: Logger;
  clock: Clock;
  proactive: Proactive;
  jobs: JobRunner;
  events: BotEvents;
}

export interface Feature {
  name: string;
  tables: readonly string[];
  register(host: FeatureHost): void;
}
