import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defaultTaxonomy } from '../../src/features/stories/taxonomy';
import { compileTaxonomy, suggestThemes } from '../../src/features/stories/themes';

/**
 * Tagging quality of the automatic themes on a labelled set of customer stories (written with
 * the themes a community manager would give, before the taxonomy was tuned). Reports precision,
 * recall and F1 per theme and macro F1, on the part looked at while tuning ('dev') and on the
 * part never looked at ('holdout').
 */
const labelled = z
  .object({ stories: z.array(z.object({ split: z.enum(['dev', 'holdout']), text: z.string().min(1), themes: z.array(z.string()).min(1) })) })
  .parse(JSON.parse(readFileSync(path.join(__dirname, '../fixtures/stories-labelled.json'), 'utf8')));

interface Scores {
  macroF1: number;
  perTheme: Record<string, { precision: number; recall: number; f1: number; tp: number; fp: number; fn: number }>;
}

function score(stories: { text: string; themes: string[] }[]): Scores {
  const taxonomy = compileTaxonomy(defaultTaxonomy);
  const counts = new Map(defaultTaxonomy.map((t) => [t.id, { tp: 0, fp: 0, fn: 0 }]));
  for (const s of stories) {
    const predicted = new Set(suggestThemes(s.text, taxonomy));
    const expected = new Set(s.themes);
    for (const [id, c] of counts) {
      if (predicted.has(id) && expected.has(id)) c.tp++;
      else if (predicted.has(id)) c.fp++;
      else if (expected.has(id)) c.fn++;
    }
  }
  const perTheme: Scores['perTheme'] = {};
  for (const [id, c] of counts) {
    const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
    const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perTheme[id] = { precision, recall, f1, ...c };
  }
  // Macro average over the themes that occur in the labels or the predictions.
  const present = Object.values(perTheme).filter((t) => t.tp + t.fp + t.fn > 0);
  const macroF1 = present.reduce((a, t) => a + t.f1, 0) / Math.max(1, present.length);
  return { macroF1, perTheme };
}

function report(name: string, s: Scores): string {
  const rows = Object.entries(s.perTheme).map(
    ([id, t]) => `  ${id.padEnd(22)} P ${t.precision.toFixed(2)} R ${t.recall.toFixed(2)} F1 ${t.f1.toFixed(2)} (tp ${t.tp} fp ${t.fp} fn ${t.fn})`,
  );
  return `${name}: macro F1 ${s.macroF1.toFixed(3)}\n${rows.join('\n')}`;
}

describe('automatic themes on the labelled stories', () => {
  const dev = labelled.stories.filter((s) => s.split === 'dev');
  const holdout = labelled.stories.filter((s) => s.split === 'holdout');
  const all = score(labelled.stories);
  const devScores = score(dev);
  const holdoutScores = score(holdout);

  beforeAll(() => {
    // The figures the issue asks for, printed with the test run.
    process.stdout.write(`\n${report(`all ${labelled.stories.length}`, all)}\n${report(`dev ${dev.length}`, devScores)}\n${report(`holdout ${holdout.length}`, holdoutScores)}\n`);
  });

  test('the labelled set has at least 40 stories and a held-out part', () => {
    expect(labelled.stories.length).toBeGreaterThanOrEqual(40);
    expect(holdout.length).toBeGreaterThanOrEqual(10);
  });

  test('when every labelled story is tagged automatically, then macro F1 is at least 0.8', () => {
    expect(all.macroF1).toBeGreaterThanOrEqual(0.8);
  });
});
