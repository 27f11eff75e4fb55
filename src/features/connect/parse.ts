import { UserError } from '../../errors';
import { QUESTION_VISIBILITIES, type QuestionVisibility } from './model';
import { connectStrings as s } from './strings';

/**
 * `ask How do you … visibility: network`: the question's text without the visibility, and the
 * visibility (team when not written). `outside` gets its own plain answer: a question is not
 * social proof, so it has no outside use; any other word says which words there are.
 */
export function askedVisibility(raw: string): { text: string; visibility: QuestionVisibility } {
  const m = /(^|\s)visibility:\s*([\p{L}-]*)/iu.exec(raw);
  if (!m) return { text: raw, visibility: 'team' };
  const word = (m[2] ?? '').toLowerCase();
  if (word === 'outside') throw new UserError(s.visibilityOutside);
  if (!(QUESTION_VISIBILITIES as readonly string[]).includes(word)) throw new UserError(s.visibilityUnknown(word.slice(0, 40)));
  const text = `${raw.slice(0, m.index)}${m[1] ?? ''}${raw.slice(m.index + m[0].length)}`.replace(/[ \t]{2,}/g, ' ').trim();
  return { text, visibility: word as QuestionVisibility };
}
