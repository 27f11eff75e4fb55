import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defaultTaxonomy } from '../features/stories/taxonomy';

/** The labelled stories in data/themes (see its README): training corpus and held-out file. */
export const DATA_DIR = path.join(__dirname, '..', '..', 'data', 'themes');
export const CORPUS_FILE = path.join(DATA_DIR, 'corpus.jsonl');
export const HELDOUT_FILE = path.join(DATA_DIR, 'heldout.jsonl');
export const FIXTURE_FILE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'stories-labelled.json');

/**
 * The corpus was written in batches, appended in order (data/themes/README.md, git history of
 * corpus.jsonl): each batch's first line (0-based). Each batch has its own wording (the first 700
 * stories; later additions written to say the weak themes in other words and to mislead; posts
 * in the register of Teams), so training on two and tagging the third is a test of how the
 * tagger does on wording it has not seen (evaluate.ts leaveOneBatchOut). Stories appended after
 * the last start belong to the last batch until a new batch is recorded here.
 */
export const CORPUS_BATCHES: readonly { name: string; from: number }[] = [
  { name: 'first 700 stories (commits 0302d88..698cca5)', from: 0 },
  { name: 'later additions, 333 (645af33..ad036c1)', from: 700 },
  { name: 'Teams-register posts, 350 (9d74bc4..0a98f1d)', from: 1033 },
];

/** The batch (index into CORPUS_BATCHES) of the corpus's i-th story. */
export function batchOf(i: number): number {
  let b = 0;
  while (b + 1 < CORPUS_BATCHES.length && i >= CORPUS_BATCHES[b + 1]!.from) b++;
  return b;
}

export interface LabelledStory {
  text: string;
  themes: string[];
}

const known = new Set(defaultTaxonomy.map((t) => t.id));
const story = z.object({
  text: z.string().min(1).max(5_000),
  themes: z.array(z.string().refine((id) => known.has(id), { message: 'not a default theme id' })).max(6),
});

/** One JSON object a line; a bad line stops with its line number. */
export function parseJsonl(text: string, name = 'corpus'): LabelledStory[] {
  return text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter((l) => l.line.length > 0)
    .map(({ line, n }) => {
      const parsed = story.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${name} line ${n}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      return { text: parsed.data.text, themes: [...new Set(parsed.data.themes)] };
    });
}

export function readLabelled(file: string): LabelledStory[] {
  return parseJsonl(readFileSync(file, 'utf8'), path.basename(file));
}

/** The project's older fixture (50 stories, dev and holdout parts), as labelled stories. */
export function readFixture(file = FIXTURE_FILE): LabelledStory[] {
  const parsed = z.object({ stories: z.array(story.extend({ split: z.string() })) }).parse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.stories.map((s) => ({ text: s.text, themes: s.themes }));
}
