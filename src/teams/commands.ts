import { closestWord } from './suggest';
import type { Command, ConversationType } from './door';

/**
 * Text commands (`@Coach story ...`). Each feature adds its commands through the door; one
 * message route parses the first word and dispatches, and the help card is built from the same
 * list, so help always matches what the bot understands.
 */
export type { Command } from './door';

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

  /** The command a mistyped word most likely meant (`topc` -> topic), if one is close. */
  suggest(name: string): string | undefined {
    const word = closestWord(name, [...this.byName.keys()]);
    return word ? this.byName.get(word)?.name : undefined;
  }

  find(name: string): Command | undefined {
    return this.byName.get(name);
  }

  list(scope?: ConversationType): Command[] {
    return this.ordered.filter((c) => !scope || !c.scopes || c.scopes.includes(scope));
  }
}
