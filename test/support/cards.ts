/**
 * Validates card JSON with the adaptivecards library itself (schema 1.5), without a DOM.
 * `import 'adaptivecards'` fails in Node (ESM without extensions), so load the UMD bundle.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

export function cardProblems(json: unknown): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json as never, context);
  const problems = context.eventCount > 0 ? Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message) : [];
  for (const e of card.validateProperties().validationEvents) problems.push(e.message);
  return problems;
}

export function expectValidCard(json: unknown): void {
  const problems = cardProblems(json);
  if (problems.length) throw new Error(`card is not valid Adaptive Card 1.5:\n${problems.join('\n')}\n${JSON.stringify(json).slice(0, 2000)}`);
}

/** All text on a card (TextBlocks, facts, action titles), for assertions. */
export function cardText(json: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      if (typeof o.title === 'string') out.push(o.title);
      if (typeof o.value === 'string' && o.type === undefined) out.push(o.value);
      for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
    }
  };
  walk(json);
  return out.join('\n');
}
