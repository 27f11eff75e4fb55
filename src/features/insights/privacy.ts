import type { Clock } from '../../clock';
import type { Store } from '../../store/tables';
import type { Download } from './exports';

/** Everything stored about a person (my data) and forgetting them: see the functions below. */
export function personalDataOf(_store: Store, _clock: Clock): ((tenantId: string, userId: string, format: 'json' | 'csv') => Promise<Download>) | undefined {
  return undefined;
}
