import { inflateSync } from 'node:zlib';
import { expectValidCard, cardText } from '../support/cards';
import { statsCard } from '../../src/features/insights/cards';
import { CHART_HEIGHT, CHART_WIDTH, trendChartPng } from '../../src/features/insights/chart';
import { applyContribution, healthView, median } from '../../src/features/insights/health';
import { parsePeriodName, periodOf } from '../../src/features/insights/period';
import { emptyDay, type Day } from '../../src/features/insights/repo';
import type { Contribution } from '../../src/teams/events';

const where = { tenantId: 't', spaceId: 's' };
const at = (day: string): Date => new Date(`${day}T10:00:00Z`);
const contribution = (kind: Contribution['kind'], userId: string, day: string, extra: Partial<Contribution> = {}): Contribution => ({ ...where, personId: userId, name: userId, kind, at: at(day), ...extra });

/** Builds day rows the way the service does: one contribution at a time. */
function daysFrom(list: { c: Contribution; first?: boolean }[]): Day[] {
  const byDay = new Map<string, Day>();
  for (const { c, first } of list) {
    const day = c.at.toISOString().slice(0, 10);
    const d = byDay.get(day) ?? emptyDay(day);
    applyContribution(d, c, `tag-${c.personId}`, first ?? false);
    byDay.set(day, d);
  }
  return [...byDay.values()];
}

describe('periods', () => {
  test('when a period is named, then it is the last N days with the N days before it', () => {
    const p = periodOf('7d', new Date('2026-12-01T15:00:00Z'));
    expect(p.current).toEqual({ from: '2026-11-25', to: '2026-12-02', days: 7 });
    expect(p.previous).toEqual({ from: '2026-11-18', to: '2026-11-25', days: 7 });
    expect(periodOf('90d', new Date('2026-12-01T00:00:00Z')).previous.days).toBe(90);
  });

  test('when the period is a quarter, then it is the quarter so far against as many days of the previous one, never overlapping', () => {
    const p = periodOf('quarter', new Date('2026-11-15T08:00:00Z'));
    expect(p.label).toBe('Q4 2026');
    expect(p.current).toEqual({ from: '2026-10-01', to: '2026-11-16', days: 46 });
    expect(p.previous).toEqual({ from: '2026-07-01', to: '2026-08-16', days: 46 });
    // End of Q2 (91 days) against Q1 2026 (90 days): the previous range stops where Q2 starts.
    const q2 = periodOf('quarter', new Date('2026-06-30T23:00:00Z'));
    expect(q2.previous).toEqual({ from: '2026-01-01', to: '2026-04-01', days: 90 });
  });

  test('when the period is unknown, then it is not guessed', () => {
    expect(parsePeriodName('')).toBe('30d');
    expect(parsePeriodName(' 90D ')).toBe('90d');
    expect(parsePeriodName('quarter')).toBe('quarter');
    expect(parsePeriodName('fortnight')).toBeUndefined();
    expect(parsePeriodName('7d; drop table')).toBeUndefined();
  });
});

describe('health figures from day rows', () => {
  const period = periodOf('7d', new Date('2026-12-01T12:00:00Z'));

  test('when people are present at a call, then turnout is the union of voters, note takers and those present, and first-timers are counted once', () => {
    const days = daysFrom([
      { c: contribution('vote', 'ann', '2026-11-30', { call: { callId: 'c1', title: 'KM hour' } }), first: true },
      { c: contribution('attended', 'ann', '2026-11-30', { call: { callId: 'c1' }, firstTime: false }) },
      { c: contribution('attended', 'bob', '2026-11-30', { call: { callId: 'c1' }, firstTime: true }), first: true },
      // The same call spans midnight: cy is present the next day, at their first call.
      { c: contribution('attended', 'cy', '2026-12-01', { call: { callId: 'c1', title: 'KM hour' }, firstTime: true }), first: true },
      { c: contribution('note', 'dee', '2026-12-01', { call: { callId: 'c1' } }), first: true },
    ]);
    const v = healthView(period, days, days.length);
    expect(v.turnout).toEqual([{ callId: 'c1', title: 'KM hour', voted: 1, noted: 1, present: 3, firstTime: 2, tookPart: 4, lastDay: '2026-12-01' }]);
    expect(v.counts.attendances).toEqual({ now: 3, previous: 0 });
    expect(v.contributors.active).toBe(4);
  });

  test('when people take part across two periods, then new, returning and gone quiet are distinct people, not events', () => {
    const days = daysFrom([
      // previous period: ann and bob
      { c: contribution('story', 'ann', '2026-11-20', { themes: ['onboarding'] }), first: true },
      { c: contribution('vote', 'bob', '2026-11-21'), first: true },
      // this period: ann returns (three times), cy is new, bob is quiet
      { c: contribution('story', 'ann', '2026-11-26', { themes: ['onboarding', 'roi'] }) },
      { c: contribution('story', 'ann', '2026-11-27', { themes: ['onboarding'] }) },
      { c: contribution('endorse', 'ann', '2026-11-28') },
      { c: contribution('topic', 'cy', '2026-11-30', { call: { callId: 'c1', title: 'KM hour' } }), first: true },
      { c: contribution('vote', 'cy', '2026-11-30', { call: { callId: 'c1' } }) },
      { c: contribution('vote', 'ann', '2026-12-01', { call: { callId: 'c1' } }) },
      { c: contribution('note', 'ann', '2026-12-01', { call: { callId: 'c1' } }) },
      // outside both periods: ignored
      { c: contribution('story', 'zed', '2026-10-01'), first: true },
    ]);
    const v = healthView(period, days, days.length);
    expect(v.contributors).toEqual({ active: 2, new: 1, returning: 1, goneQuiet: 1, previousActive: 2 });
    expect(v.counts.stories).toEqual({ now: 2, previous: 1 });
    expect(v.counts.votes).toEqual({ now: 2, previous: 1 });
    expect(v.counts.endorsements.now).toBe(1);
    expect(v.turnout).toEqual([{ callId: 'c1', title: 'KM hour', voted: 2, noted: 1, present: 0, firstTime: 0, tookPart: 2, lastDay: '2026-12-01' }]);
    expect(v.themes).toEqual([
      { theme: 'onboarding', now: 2, previous: 1 },
      { theme: 'roi', now: 1, previous: 0 },
    ]);
    expect(v.trend).toHaveLength(7);
    expect(v.trend.map((b) => b.stories)).toEqual([0, 1, 1, 0, 0, 0, 0]);
  });

  test('when questions are answered, then the median time to first answer is in minutes', () => {
    const asked = new Date('2026-11-30T09:00:00Z');
    const days = daysFrom([
      { c: contribution('question', 'a', '2026-11-30', { themes: ['licensing'] }) },
      { c: { ...contribution('answer', 'b', '2026-11-30'), at: new Date(asked.getTime() + 30 * 60_000), firstAnswerTo: { askedAt: asked } } },
      { c: { ...contribution('answer', 'c', '2026-11-30'), at: new Date(asked.getTime() + 90 * 60_000), firstAnswerTo: { askedAt: asked } } },
      { c: { ...contribution('answer', 'd', '2026-11-30'), at: new Date(asked.getTime() + 600 * 60_000), firstAnswerTo: { askedAt: asked } } },
    ]);
    const v = healthView(period, days, days.length);
    expect(v.medianFirstAnswerMinutes).toBe(90);
    expect(v.questionThemes).toEqual([{ theme: 'licensing', now: 1, previous: 0 }]);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([])).toBeUndefined();
  });
});

describe('stats card and chart', () => {
  test('when there is activity, then the card is valid, shows the figures, and its chart is a small PNG within the card limit', () => {
    const p = periodOf('90d', new Date('2026-12-01T12:00:00Z'));
    const list: { c: Contribution; first?: boolean }[] = [];
    for (let i = 0; i < 90; i++) {
      const day = new Date(Date.parse('2026-09-03T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10);
      list.push({ c: contribution('story', `p${i % 17}`, day, { themes: ['<at>x</at> [link](https://evil)', 'roi'] }), first: i < 17 });
    }
    const days = daysFrom(list);
    const v = healthView(p, days, days.length);
    const c = statsCard(v);
    expectValidCard(c);
    const text = cardText(c);
    expect(text).toContain('Network health');
    expect(text).toContain('90 (+90)');
    expect(text).not.toContain('<at>');
    expect(text).not.toContain('[link](');
    const json = JSON.stringify(c);
    expect(json.length).toBeLessThan(28_000);
    const image = (c.body.find((e) => e.type === 'Image') as { url: string } | undefined)?.url;
    expect(image).toMatch(/^data:image\/png;base64,/);
    expect(image!.length).toBeLessThan(8_000);
  });

  test('when the chart is drawn, then it is a decodable PNG of the stated size whose bar heights follow the data', () => {
    const png = trendChartPng([
      { from: 'a', people: 10, stories: 5 },
      { from: 'b', people: 0, stories: 0 },
    ]);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBe(CHART_WIDTH);
    expect(png.readUInt32BE(20)).toBe(CHART_HEIGHT);
    // Decode IDAT and count blue (2) and amber (3) pixels: the blue bar is twice the amber one.
    const idatAt = png.indexOf('IDAT');
    const raw = inflateSync(png.subarray(idatAt + 4, idatAt + 4 + png.readUInt32BE(idatAt - 4)));
    let blue = 0;
    let amber = 0;
    for (let y = 0; y < CHART_HEIGHT; y++) {
      for (let x = 1; x <= CHART_WIDTH; x++) {
        const v = raw[y * (CHART_WIDTH + 1) + x];
        if (v === 2) blue++;
        if (v === 3) amber++;
      }
    }
    expect(blue).toBeGreaterThan(0);
    expect(Math.round(blue / amber)).toBe(2);
  });

  test('when nothing happened, then the card says how to start instead of a wall of zeros', () => {
    const v = healthView(periodOf('7d', new Date('2026-12-01T12:00:00Z')), [], 0);
    const c = statsCard(v);
    expectValidCard(c);
    expect(cardText(c)).toContain('Nothing happened here');
  });
});
