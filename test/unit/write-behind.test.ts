import { WriteBehind } from '../../src/store/writes';

/** The bounded backlog of writes beside the replies: never more than `max` pending, none dropped. */
describe('WriteBehind', () => {
  test('when more writes arrive than the bound, then callers wait for room, at most max run at once, and every write runs', async () => {
    const beside = new WriteBehind(3);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const slowWrite = (i: number) => async (): Promise<void> => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5 + (i % 4)));
      running--;
      done.push(i);
    };
    const admitted: number[] = [];
    await Promise.all(Array.from({ length: 20 }, (_, i) => beside.add(slowWrite(i)).then(() => admitted.push(i))));
    // All 20 were admitted only because earlier ones finished: the callers waited.
    expect(admitted).toHaveLength(20);
    expect(beside.waited).toBeGreaterThanOrEqual(17);
    await beside.settled();
    expect(most).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(beside.size).toBe(0);
  });

  test('when a write fails, then its room is given back and the next caller proceeds', async () => {
    const beside = new WriteBehind(1);
    await beside.add(async () => {
      throw new Error('storage down');
    });
    let ran = false;
    await beside.add(async () => {
      ran = true;
    });
    await beside.settled();
    expect(ran).toBe(true);
  });

  test('when below the bound, then the caller does not wait for the write to finish', async () => {
    const beside = new WriteBehind(2);
    let finished = false;
    await beside.add(() => new Promise<void>((r) => setTimeout(() => {
      finished = true;
      r();
    }, 50)));
    expect(finished).toBe(false);
    await beside.settled();
    expect(finished).toBe(true);
  });
});
