import { openStore, type Store } from '../../src/store/tables';
import { CONNECT_TABLES, ConnectRepo, LISTS_TTL_MS, type ShortlistedStory } from '../../src/features/connect/repo';
import { withContribution } from '../../src/features/connect/expertise';
import { storageConnectionString, uniquePrefix } from '../support/harness';

/**
 * What `ask` reuses on an instance (a theme's top list and story shortlist, a bucket's route),
 * against the real Azurite: two stores on the same tables are two instances. A write on an
 * instance shows there at once; a write on another shows within LISTS_TTL_MS, never later.
 */
const where = { tenantId: 'tenant-cache', spaceId: '19:cache-team@thread.tacv2' };
const story = (storyId: string, at: number): ShortlistedStory => ({ storyId, excerpt: `story ${storyId}`, tellerName: 'Ada', terms: ['champion'], at });
const person = (userId: string) => ({ userId, userName: userId });

describe("ask's reused lists", () => {
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    const options = { connectionString: storageConnectionString(), tablePrefix: uniquePrefix() };
    a = await openStore(options, CONNECT_TABLES);
    b = await openStore(options, CONNECT_TABLES);
  });
  afterEach(() => jest.useRealTimers());

  test('when a story is shortlisted or someone rises on the theme on this instance, then the next ask here sees it at once', async () => {
    const reader = new ConnectRepo(a);
    const writer = new ConnectRepo(a);
    expect((await reader.themeLists(where, 'champions')).stories).toEqual([]);
    await writer.shortlistStory(where, 'champions', story('s1', 1));
    expect((await reader.themeLists(where, 'champions')).stories.map((s) => s.storyId)).toEqual(['s1']);
    await writer.changeExpertise(where, 'champions', 'p1', (row) => withContribution(row, person('p1'), 'story', new Date()));
    expect((await reader.themeLists(where, 'champions')).top.map((r) => r.personId)).toEqual(['p1']);
  });

  test('when a route is set on this instance, then the next ask here uses it; set on another instance, then it is used within the reuse time', async () => {
    const here = new ConnectRepo(a);
    const other = new ConnectRepo(b);
    expect(await here.routeOf(where, 'governance')).toBeUndefined();
    await here.setRoute(where, 'governance', { owners: [person('fred')], channels: [], setBy: 'alice', setAt: 1 });
    expect((await here.routeOf(where, 'governance'))?.owners).toEqual([person('fred')]);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(Date.now());
    await other.setRoute(where, 'governance', { owners: [person('erin')], channels: [], setBy: 'alice', setAt: 2 });
    // Another instance's change: this one may still use what it read (at most LISTS_TTL_MS)...
    expect((await here.routeOf(where, 'governance'))?.owners).toEqual([person('fred')]);
    jest.setSystemTime(Date.now() + LISTS_TTL_MS + 1);
    // ...and never longer.
    expect((await here.routeOf(where, 'governance'))?.owners).toEqual([person('erin')]);
  });

  test('when another instance shortlists a story, then this instance shows it once the reuse time is over', async () => {
    const here = new ConnectRepo(a);
    const other = new ConnectRepo(b);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(Date.now());
    expect((await here.themeLists(where, 'metrics')).stories).toEqual([]);
    await other.shortlistStory(where, 'metrics', story('s2', 2));
    jest.setSystemTime(Date.now() + LISTS_TTL_MS + 1);
    expect((await here.themeLists(where, 'metrics')).stories.map((s) => s.storyId)).toEqual(['s2']);
  });
});
