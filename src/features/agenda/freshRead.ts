/**
 * Shares one storage read among callers that all need "the state after my write": a caller that
 * arrives while a read is running does not reuse it (it may have started before the caller's
 * write), it joins the next read, which starts when the running one ends. So 200 voters at once
 * cause a few agenda reads instead of 200, and each still sees its own vote.
 */
interface Slot<T> {
  running?: Promise<T>;
  queued?: Promise<T>;
}

export class FreshRead<T> {
  private readonly slots = new Map<string, Slot<T>>();

  get(key: string, load: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {};
      this.slots.set(key, slot);
    }
    const running = slot.running;
    if (!running) return this.start(key, slot, load);
    let queued = slot.queued;
    if (!queued) {
      const s = slot;
      queued = running
        .then(
          () => undefined,
          () => undefined,
        )
        .then(() => {
          s.queued = undefined;
          return this.start(key, s, load);
        });
      s.queued = queued;
    }
    return queued;
  }

  private start(key: string, slot: Slot<T>, load: () => Promise<T>): Promise<T> {
    const p: Promise<T> = load().finally(() => {
      if (slot.running === p) slot.running = undefined;
      if (!slot.running && !slot.queued && this.slots.get(key) === slot) this.slots.delete(key);
    });
    slot.running = p;
    return p;
  }
}
