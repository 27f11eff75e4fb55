import { createHash } from 'node:crypto';

/**
 * Azure Tables keys may not hold `/ \ # ?` or control characters and are at most 1 KiB.
 * Teams ids hold `: ; @ =` and can be long. `encodeKeyPart` escapes the forbidden characters
 * (and `%` and the `|` separator, so parts stay unambiguous) as %XX, and shortens very long
 * parts to a prefix plus a hash, so every id maps to one safe, stable key part.
 */
const MAX_PART = 200;

export function encodeKeyPart(raw: string): string {
  let out = '';
  for (const ch of raw) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '/' || ch === '\\' || ch === '#' || ch === '?' || ch === '%' || ch === '|' || code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      out += '%' + code.toString(16).toUpperCase().padStart(2, '0');
    } else {
      out += ch;
    }
  }
  if (out.length > MAX_PART) {
    const hash = createHash('sha256').update(raw).digest('hex').slice(0, 32);
    out = `${out.slice(0, MAX_PART - 34)}~${hash}`;
  }
  return out;
}

/** Joins encoded parts with `|`; each part is encoded, so the result can be split back safely. */
export function key(...parts: string[]): string {
  return parts.map(encodeKeyPart).join('|');
}

/** The inverse of encodeKeyPart for parts that were not shortened. */
export function decodeKeyPart(part: string): string {
  return part.replace(/%([0-9A-F]{2,6})/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
}

/**
 * Row keys that sort newest first: Azure Tables sorts keys ascending, so the time is stored
 * as (max - ms), zero-padded. A suffix keeps rows written in the same millisecond apart.
 */
const MAX_TIME = 9_999_999_999_999;

export function newestFirstKey(at: Date, suffix = ''): string {
  const inverted = (MAX_TIME - at.getTime()).toString().padStart(13, '0');
  return suffix ? `${inverted}|${encodeKeyPart(suffix)}` : inverted;
}

export function timeFromNewestFirstKey(rowKey: string): Date {
  return new Date(MAX_TIME - Number(rowKey.slice(0, 13)));
}

/** Ascending time key (oldest first), for ranges such as "due before now". */
export function timeKey(at: Date, suffix = ''): string {
  const t = at.getTime().toString().padStart(13, '0');
  return suffix ? `${t}|${encodeKeyPart(suffix)}` : t;
}

/** An OData filter literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
