import { openStore } from '../../src/store/tables';
import { ContributionsRepo, CONTRIBUTIONS_TABLE } from '../../src/people/contributions';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../src/people/organizers';
import { storageConnectionString, uniquePrefix } from '../support/harness';

describe('contributions and organizers of a space, on Azurite', () => {
  const where = { tenantId: 'tenant-1', spaceId: '19:team/with#odd?chars@thread.tacv2' };
  const other = { tenantId: 'tenant-2', spaceId: where.spaceId };
  let contributions: ContributionsRepo;
  let organizers: OrganizersRepo;

  beforeAll(async () => {
    const store = await openStore({ connectionString: storageConnectionString(), tablePrefix: uniquePrefix() }, [CONTRIBUTIONS_TABLE, ORGANIZERS_TABLE]);
    contributions = new ContributionsRepo(store.table(CONTRIBUTIONS_TABLE));
    organizers = new OrganizersRepo(store.table(ORGANIZERS_TABLE));
  });

  test('when a person contributes for the first time, then they are a new voice of that week only', async () => {
    const ann = { userId: 'aad-ann', userName: 'Ann' };
    const week1 = new Date('2026-11-02T10:00:00Z');
    const week2 = new Date('2026-11-10T10:00:00Z');
    expect(await contributions.recordContribution(where, ann, 'story', week1)).toEqual({ first: true });
    expect(await contributions.recordContribution(where, ann, 'vote', week2)).toEqual({ first: false });
    const list = await contributions.list(where);
    expect(list).toHaveLength(1);
    expect(list[0]!.firstAt.toISOString()).toBe(week1.toISOString());
    expect(list[0]!.lastAt.toISOString()).toBe(week2.toISOString());
    expect((await contributions.newVoices(where, new Date('2026-11-02T00:00:00Z'), new Date('2026-11-09T00:00:00Z'))).map((c) => c.userId)).toEqual(['aad-ann']);
    expect(await contributions.newVoices(where, new Date('2026-11-09T00:00:00Z'), new Date('2026-11-16T00:00:00Z'))).toEqual([]);
    expect(await contributions.list(other)).toEqual([]);
  });

  test('when the same person contributes many times at once, then there is one row and one first time', async () => {
    const bo = { userId: 'aad-bo', userName: 'Bo' };
    const at = new Date('2026-11-03T10:00:00Z');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => contributions.recordContribution(where, bo, 'vote', new Date(at.getTime() + i))));
    expect(results.filter((r) => r.first)).toHaveLength(1);
    expect((await contributions.list(where)).filter((c) => c.userId === 'aad-bo')).toHaveLength(1);
  });

  test('when an organizer is added twice, then they are listed once, and only in their own tenant', async () => {
    const who = { userId: 'aad-org', userName: 'Olga' };
    expect(await organizers.add(where, who, 'aad-ann', new Date())).toBe(true);
    expect(await organizers.add(where, who, 'aad-ann', new Date())).toBe(false);
    expect(await organizers.isOrganizer(where, 'aad-org')).toBe(true);
    expect(await organizers.isOrganizer(other, 'aad-org')).toBe(false);
    expect((await organizers.list(where)).map((o) => o.userId)).toEqual(['aad-org']);
    await organizers.remove(where, 'aad-org');
    expect(await organizers.isOrganizer(where, 'aad-org')).toBe(false);
  });
});
