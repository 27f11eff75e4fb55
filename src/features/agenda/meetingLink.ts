/**
 * A call's meeting link: only a Teams meeting join URL is accepted, so the Join button on a card
 * can never send people somewhere else. Rules: https, host teams.microsoft.com or
 * teams.live.com (Teams for work and for home), path /l/meetup-join/... (the classic join link)
 * or /meet/... (the short link), no credentials in the URL, at most MAX_MEETING_URL characters.
 */
export const MAX_MEETING_URL = 2048;
const HOSTS = new Set(['teams.microsoft.com', 'teams.live.com']);
const PATHS = ['/l/meetup-join/', '/meet/'];

export type MeetingLinkCheck = { ok: true; url: string } | { ok: false; problem: 'notUrl' | 'notHttps' | 'notTeams' | 'tooLong' };

export function checkMeetingLink(raw: string): MeetingLinkCheck {
  const text = raw.trim().replace(/^<|>$/g, '');
  if (text.length > MAX_MEETING_URL) return { ok: false, problem: 'tooLong' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: 'notUrl' };
  }
  if (url.protocol !== 'https:') return { ok: false, problem: 'notHttps' };
  if (url.username || url.password || url.port) return { ok: false, problem: 'notTeams' };
  if (!HOSTS.has(url.hostname.toLowerCase())) return { ok: false, problem: 'notTeams' };
  const path = url.pathname;
  if (!PATHS.some((p) => path.startsWith(p) && path.length > p.length)) return { ok: false, problem: 'notTeams' };
  return { ok: true, url: url.toString() };
}

/**
 * What identifies a meeting in its join URL, for matching the link a call was given with the
 * JoinUrl Teams sends in meeting events: host and decoded path, lower case, without the query
 * (which carries the organizer context, encoded differently by different clients).
 */
export function meetingLinkKey(url: string): string | undefined {
  try {
    const u = new URL(url);
    let path = u.pathname;
    try {
      path = decodeURIComponent(path);
    } catch {
      // keep the raw path
    }
    return `${u.hostname.toLowerCase()}${path.replace(/\/+$/, '').toLowerCase()}`;
  } catch {
    return undefined;
  }
}

/** Whether a word someone typed is meant as a link (then it must pass checkMeetingLink). */
export function looksLikeLink(word: string): boolean {
  return /^<?(https?:\/\/|www\.)/i.test(word.trim());
}
