import { UserError } from '../../errors';
import type { Clock } from '../../clock';
import type { Person, Space } from '../../people/model';
import type { OrganizersRepo } from '../../people/organizers';
import { agendaStrings as s } from './strings';

/** Who organizes a space: the first person to create a call, then whoever an organizer adds. */
export class Organizing {
  constructor(
    private readonly organizers: OrganizersRepo,
    private readonly clock: Clock,
  ) {}

  /** Creating a call: anyone in a space nobody organizes yet (they become its organizer), else organizers only. */
  async claimOrRequire(space: Space, who: Person): Promise<void> {
    const existing = await this.organizers.list(space);
    if (existing.length > 0 && !existing.some((o) => o.userId === who.userId)) throw new UserError(s.onlyOrganizersCreate);
    if (existing.length === 0) await this.organizers.add(space, who, who.userId, this.clock.now());
  }

  async isOrganizer(space: Space, userId: string): Promise<boolean> {
    return this.organizers.isOrganizer({ tenantId: space.tenantId, spaceId: space.spaceId }, userId);
  }

  async listOrganizers(space: Space): Promise<string[]> {
    return (await this.organizers.list({ tenantId: space.tenantId, spaceId: space.spaceId })).map((o) => o.userName);
  }

  async addOrganizers(space: Space, who: Person, people: readonly Person[]): Promise<{ added: string[]; already: string[] }> {
    if (people.length === 0) throw new UserError(s.organizersAddWhom);
    await this.requireOrganizer(space, who);
    const added: string[] = [];
    const already: string[] = [];
    for (const p of people) {
      const ok = await this.organizers.add({ tenantId: space.tenantId, spaceId: space.spaceId }, p, who.userId, this.clock.now());
      (ok ? added : already).push(p.userName);
    }
    return { added, already };
  }

  async requireOrganizer(space: Space, who: Person): Promise<void> {
    if (!(await this.isOrganizer(space, who.userId))) throw new UserError(s.onlyOrganizers);
  }
}
