/** Time as a dependency, so scheduled work and "within 30 days" rules can be tested. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
