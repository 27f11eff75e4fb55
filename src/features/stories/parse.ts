/**
 * Reading what people type when they capture a story: `#hashtags` become tags, `customer: <name>`
 * names the customer, `by @Person` names the teller. Plain functions, no Teams types.
 */
export const MAX_STORY_LENGTH = 4000;
export const MAX_TAGS = 12;
export const MAX_TAG_LENGTH = 40;
export const MAX_CUSTOMER_LENGTH = 100;

export interface ParsedCapture {
  text: string;
  customer?: string;
  /** The mentioned person named after "by", if any. */
  tellerName?: string;
  hashtags: string[];
  /** `visibility: network` as typed (checked by the caller: an unknown word gets a plain answer). */
  visibility?: string;
  /** `anonymous as "a customer in retail"` at the start: the stand-in ('' when none was given). */
  anonymous?: { standIn: string };
}

/** A tag as stored: lower case, letters, digits and hyphens, at most 40 characters; '' if nothing is left. */
export function normaliseTag(raw: string): string {
  return raw
    .trim()
    .replace(/^#+/, '')
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/[^\p{L}\p{N}-]/gu, '')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, MAX_TAG_LENGTH);
}

/**
 * A list typed by a person ("#roi, peer mentoring; #a #b") as tags, de-duplicated, at most
 * MAX_TAGS. Commas and semicolons separate tags, so a name of several words stays one tag
 * ("Peer Mentoring" -> peer-mentoring); within a part, each `#` starts a new tag.
 */
export function parseTagList(input: string): string[] {
  const parts = input.split(/[,;]+/).flatMap((part) => (part.includes('#') ? part.split(/(?=#)/) : [part]));
  return unique(parts.map(normaliseTag).filter(Boolean)).slice(0, MAX_TAGS);
}

export function hashtagsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(^|[^\p{L}\p{N}&#])#([\p{L}\p{N}][\p{L}\p{N}_-]*)/gu)) {
    const tag = normaliseTag(m[2] ?? '');
    if (tag) out.push(tag);
  }
  return unique(out);
}

export function unique<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}

/**
 * A block of hashtags at the very end is tagging, not story ("...handover tips #night-shift"),
 * unless the sentence needs it: "...in half with #champions" keeps its last word.
 */
function withoutTrailingTagBlock(text: string): string {
  const block = /(\s*#[\p{L}\p{N}][\p{L}\p{N}_-]*)+\s*$/u.exec(text);
  if (!block) return text;
  const before = text.slice(0, block.index);
  const lastWord = (/([\p{L}']+)\s*$/u.exec(before)?.[1] ?? '').toLowerCase();
  // "...with #champions": a sentence cannot end on "with", so the hashtag is its last word.
  return NEEDS_A_WORD_AFTER.has(lastWord) ? text : before;
}

/** Words a sentence does not end on: after them, a trailing hashtag is part of the sentence. */
const NEEDS_A_WORD_AFTER = new Set(
  'a an the our their his her my your its this that these those with without by for to of in on at from into onto about via and or but like than as across among between through during including among using'.split(' '),
);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Splits `@Coach story ...` text (already plain text, the bot's mention removed) into its parts.
 * `mentionedNames` are the people @mentioned in the message (mentions arrive as "@Name").
 */
export function parseCaptureText(raw: string, mentionedNames: readonly string[] = []): ParsedCapture {
  let text = raw;
  let anonymous: { standIn: string } | undefined;
  // `anonymous as "a customer in retail" ...` (straight or curly quotes), only as the first word.
  const anon = /^\s*anonymous\b(?:\s+as\s+["“]([^"”\n]*)["”])?[\s:,]*/i.exec(text);
  if (anon) {
    anonymous = { standIn: (anon[1] ?? '').trim() };
    text = text.slice(anon[0].length);
  }
  let visibility: string | undefined;
  const v = /(^|\s)visibility:\s*([\p{L}-]*)/iu.exec(text);
  if (v) {
    visibility = (v[2] ?? '').toLowerCase();
    text = text.slice(0, v.index) + (v[1] ?? '') + text.slice(v.index + v[0].length);
  }
  let tellerName: string | undefined;
  for (const name of mentionedNames) {
    const by = new RegExp(`(^|\\s)(?:told\\s+)?by\\s+@${escapeRegExp(name)}(?=$|[\\s.,;:!?])`, 'i');
    if (by.test(text)) {
      tellerName = name;
      text = text.replace(by, ' ');
      break;
    }
  }
  let customer: string | undefined;
  const c = /(^|\s)customer:\s*([^\n#;]*?)\s*(?=$|\n|#|;|\s+by\s+@)/i.exec(text);
  if (c) {
    const name = (c[2] ?? '').replace(/[.,:!?]+$/, '').trim().slice(0, MAX_CUSTOMER_LENGTH);
    if (name) customer = name;
    text = text.slice(0, c.index) + (c[1] ?? '') + text.slice(c.index + c[0].length);
  }
  const hashtags = hashtagsIn(text);
  text = withoutTrailingTagBlock(text);
  text = text
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ +\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .replace(/^[;,.:\s]+/, '')
    .trim();
  return { text, customer, tellerName, hashtags, ...(visibility !== undefined ? { visibility } : {}), ...(anonymous ? { anonymous } : {}) };
}
