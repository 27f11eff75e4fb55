import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Conversation, Person } from '../../people/model';
import { requireOpen, type CallReader } from './calls';
import type { Organizing } from './organizing';
import type { AgendaRepo, CallRow } from './repo';
import { agendaStrings as s } from './strings';
import { finalAgenda, MAX_TOP_N } from './views';

export interface FinalisingDeps {
  repo: AgendaRepo;
  reader: CallReader;
  organizing: Organizing;
  clock: Clock;
}

export interface FinaliseOptions {
  /**
   * The automatic job keeps its due row until its post went out (it deletes it then), so a
   * failed post is found and retried by a later pass.
   */
  keepDue?: boolean;
}

export class Finalising {
  constructor(private readonly deps: FinalisingDeps) {}

  /**
   * Fixes the agenda: the top N topics by votes (ties to whoever proposed first), each with a
   * time box. `by` undefined means the scheduled job. Returns undefined when it was final already
   * (the job's case; a person gets a refusal instead).
   */
  async finalise(where: Conversation, by: Person | undefined, callId: string, topN: number, rev?: number, options: FinaliseOptions = {}): Promise<CallRow | undefined> {
    const { repo, reader, organizing, clock } = this.deps;
    if (!Number.isInteger(topN) || topN < 1 || topN > MAX_TOP_N) throw new UserError(s.badTopN(MAX_TOP_N));
    if (by) await organizing.requireOrganizer(where, by);
    const view = await reader.agendaView(where, callId);
    const final = finalAgenda(view.topics, topN, view.call.durationMin);
    let refusal: UserError | undefined;
    const { after } = await repo.mutateCall(where, callId, (current) => {
      refusal = undefined;
      if (!current) return undefined;
      try {
        requireOpen(current, rev);
      } catch (err) {
        refusal = err as UserError;
        return undefined;
      }
      return { ...current, status: 'finalised', rev: current.rev + 1, finalJson: JSON.stringify(final), finalisedAt: clock.now().getTime(), finalisedBy: by?.userId ?? 'auto' };
    });
    if (!after) {
      if (by) throw refusal ?? new UserError(s.callNotFound);
      return undefined;
    }
    if (!options.keepDue) await repo.unscheduleDue(where, after, ['finalise']);
    return after;
  }
}
