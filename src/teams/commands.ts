import type { TurnContext } from 'botbuilder';
import type { Turn, ConversationType } from './turn';

/**
 * Text commands (`@Coach story ...`). Each feature adds its commands here; one message route
 * parses the first word and dispatches, and the help card is built from the same list, so help
 * always matches what the bot understands.
 */
export interface Command {
  /** First word, lower case: `story`. */
  name: string;
  aliases?: string[];
  /** How to call it, for help: `story <text>`. */
  usage: string;
  /** One sentence for the help card. */
  summary: string;
  /** Help section: the feature's name in the user's words. */
  group: string;
  /** Where it is offered; defaults to all scopes. */
  scopes?: ConversationType[];
  handle(context: TurnContext, turn: Turn, args: string): Promise<void>;
}

export class CommandRegistry {
  private readonly byName = new Map<string, Command>();
  private readonly ordered: Command[] = [];

  add(command: Command): void {
    for (const n of [command.name, ...(command.aliases ?? [])]) {
      if (this.byName.has(n)) throw new Error(`command '${n}' is registered twice`);
      this.byName.set(n, command);
    }
    this.ordered.push(command);
  }

  find(name: string): Command | undefined {
    return this.byName.get(name);
  }

  list(scope?: ConversationType): Command[] {
    return this.ordered.filter((c) => !scope || !c.scopes || c.scopes.includes(scope));
  }
}
