import { UserError } from '../../errors';
import type { ConversationKey } from '../../people/model';
import type { AgendaService } from './service';
import { agendaStrings as s } from './strings';
import { recapView, type RecapView } from './views';

/** The recap of one ended call, by its id (the "Show the next notes" button of a long recap). */
export async function recapOf(service: AgendaService, where: ConversationKey, callId: string): Promise<RecapView> {
  const call = await service.repo.getCall(where, callId);
  if (!call) throw new UserError(s.callNotFound);
  if (call.status !== 'ended') throw new UserError(s.recapNotYet);
  const [topics, notes, next] = await Promise.all([
    service.repo.listTopics(where, callId),
    service.repo.listNotes(where, callId),
    call.nextCallId ? service.repo.getCall(where, call.nextCallId) : Promise.resolve(undefined),
  ]);
  return recapView(call, topics, notes, next);
}
