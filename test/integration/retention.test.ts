import { startTestBot, type TestBot } from '../support/harness';
import { BOB, TENANT } from '../support/activities';
import { cardText } from '../support/cards';
import { StoriesService } from '../../src/features/stories/service';
import { insightsOf } from '../../src/features/insights/routes';
import { RETENTION_JOB } from '../../src/features/insights/retention';
import { AGENDA_TABLES } from '../../src/features/agenda/repo';

/** Retention: off by default; with RETENTION_MONTHS set, a daily job (claimed once) deletes what is older. */
const clock = { current: new Date('2026-01-10T09:00:00Z'), now(): Date { return new Date(this.current); } };
const here = { teamId: '19:retention-team@thread.tacv2', conversationId: '19:retention-chan@thread.tacv2' };
const space = { tenantId: TENANT, spaceId: here.teamId };

async function storyTexts(bot: TestBot): Promise<string[]> {
  return (await new StoriesService(bot.app.store, clock).storiesBetween(TENANT, here.teamId, new Date(0), new Date('2100-01-01'))).map((s) => s.text).sort();
}

describe('retention', () => {
  test('when RETENTION_MONTHS is not set, then the job deletes nothing', async () => {
    const bot = await startTestBot({ deps: { clock } });
    try {
      clock.current = new Date('2025-01-10T09:00:00Z');
      await bot.send(bot.teams.channelMessage('story An old story from long ago', { ...here, from: BOB }));
      clock.current = new Date('2026-01-10T09:00:00Z');
      await bot.app.bot.jobs.runOnce([RETENTION_JOB]);
      expect(await storyTexts(bot)).toEqual(['An old story from long ago']);
    } finally {
      await bot.close();
    }
  });

  test('when RETENTION_MONTHS=6, then stories, notes, topics and counters older than that go, once a day, newer ones stay', async () => {
    const bot = await startTestBot({ deps: { clock }, env: { RETENTION_MONTHS: '6' } });
    try {
      const say = (text: string) => bot.send(bot.teams.channelMessage(text, { ...here, from: BOB }));
      clock.current = new Date('2025-05-01T09:00:00Z');
      await say('story Eight months ago Contoso started');
      await say('call "Old call" 2025-05-20 16:00');
      await say('topic An old topic');
      await say('note decision: an old decision');
      let notes = 0;
      for await (const _row of bot.app.store.table(AGENDA_TABLES.notes).listEntities()) notes++;
      expect(notes).toBe(1);
      clock.current = new Date('2025-12-01T09:00:00Z');
      await say('story Last month Fabrikam renewed');

      clock.current = new Date('2026-01-10T09:00:00Z');
      const insights = insightsOf(bot.app.host)!;
      await insights.settled();
      await bot.app.bot.jobs.runOnce([RETENTION_JOB]);
      expect(await storyTexts(bot)).toEqual(['Last month Fabrikam renewed']);
      expect(await insights.repo.daysBetween(space, '2025-01-01', '2025-07-10')).toEqual([]);
      expect((await insights.repo.daysBetween(space, '2025-07-10', '2026-01-11')).map((d) => d.day)).toEqual(['2025-12-01']);
      for (const table of [AGENDA_TABLES.notes, AGENDA_TABLES.topics]) {
        const left: unknown[] = [];
        for await (const row of bot.app.store.table(table).listEntities()) left.push(row);
        expect([table, left]).toEqual([table, []]);
      }

      // Claimed once a day: an old story added later the same day stays until tomorrow's run.
      clock.current = new Date('2025-04-01T09:00:00Z');
      await say('story Another old one');
      clock.current = new Date('2026-01-10T15:00:00Z');
      await bot.app.bot.jobs.runOnce([RETENTION_JOB]);
      expect(await storyTexts(bot)).toEqual(['Another old one', 'Last month Fabrikam renewed']);
      clock.current = new Date('2026-01-11T09:00:00Z');
      await bot.app.bot.jobs.runOnce([RETENTION_JOB]);
      expect(await storyTexts(bot)).toEqual(['Last month Fabrikam renewed']);
      bot.connector.reset();
      await say('stats 90d');
      expect(cardText(bot.connector.cards()[0]!.card)).toMatch(/Stories\s*1/);
    } finally {
      await bot.close();
    }
  });

  test('when RETENTION_MONTHS is out of range, then start-up is refused', () => {
    expect(() => require('../../src/config').loadConfig({ STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', RETENTION_MONTHS: '-1' })).toThrow(/RETENTION_MONTHS/);
  });
});
