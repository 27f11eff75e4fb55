import type { Feature } from './feature';
import { conversationsFeature } from './conversations/routes';
import { helpFeature } from './help/routes';
import { agendaFeature } from './agenda/routes';
import { digestFeature } from './digest/routes';
import { storiesFeature } from './stories/routes';
import { insightsFeature } from './insights/routes';
import { customersFeature } from './customers/routes';
import { callFeature } from './call/routes';
import { connectFeature } from './connect/routes';

/** The product's features, in the order their routes are registered. */
export const features: readonly Feature[] = [conversationsFeature, helpFeature, agendaFeature, callFeature, digestFeature, storiesFeature, insightsFeature, customersFeature, connectFeature];

export function tablesOf(list: readonly Feature[]): string[] {
  return list.flatMap((f) => f.tables);
}
