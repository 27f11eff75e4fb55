import type { Activity } from 'botbuilder';
import { z } from 'zod';
import type { MeetingEvent } from './door';
import { personKey } from '../people/model';

/**
 * Teams meeting event activities as plain values. Shapes (Teams docs, "Get meeting events"):
 * - meetingStart / meetingEnd: `value` { Id, MeetingType, JoinUrl, Title, StartTime | EndTime }
 * - meetingParticipantJoin / Leave: `value.members[]` { user: { id, name, aadObjectId, ... },
 *   meeting: { inMeeting, role } }
 * and `channelData.meeting.id` on all of them. Anything else is not a meeting event (undefined).
 * A participant's `user.tenantId` is their home tenant: someone from another tenant (a customer
 * invited to the call) is `objectId@homeTenant`, as everywhere else (src/people/model.ts).
 */
const NAMES: Record<string, MeetingEvent['kind']> = {
  'application/vnd.microsoft.meetingStart': 'start',
  'application/vnd.microsoft.meetingEnd': 'end',
  'application/vnd.microsoft.meetingParticipantJoin': 'join',
  'application/vnd.microsoft.meetingParticipantLeave': 'leave',
};

const tenantOf = z.object({ tenant: z.object({ id: z.string().min(1).max(200) }) });
const meetingId = z.object({ meeting: z.object({ id: z.string().min(1).max(1024) }) }).passthrough();
const lifecycle = z
  .object({
    Id: z.string().max(1024).optional(),
    JoinUrl: z.string().max(4096).optional(),
    Title: z.string().max(1000).optional(),
    StartTime: z.string().max(64).optional(),
    EndTime: z.string().max(64).optional(),
  })
  .passthrough();
const participants = z.object({
  members: z
    .array(
      z
        .object({
          user: z.object({ id: z.string().min(1).max(1024), name: z.string().max(500).optional(), aadObjectId: z.string().max(200).optional(), tenantId: z.string().max(200).optional() }).passthrough(),
        })
        .passthrough(),
    )
    .max(1000),
});

export function meetingEventOf(activity: Partial<Activity>): MeetingEvent | undefined {
  const kind = typeof activity.name === 'string' ? NAMES[activity.name] : undefined;
  if (!kind) return undefined;
  const channel = meetingId.safeParse(activity.channelData);
  if (!channel.success) return undefined;
  if (kind === 'start' || kind === 'end') {
    const v = lifecycle.safeParse(activity.value ?? {});
    if (!v.success) return undefined;
    const stamp = kind === 'start' ? v.data.StartTime : v.data.EndTime;
    const at = stamp ? new Date(stamp) : undefined;
    return {
      kind,
      meetingId: channel.data.meeting.id,
      ...(v.data.JoinUrl ? { joinUrl: v.data.JoinUrl } : {}),
      ...(v.data.Title ? { title: v.data.Title } : {}),
      ...(at && !Number.isNaN(at.getTime()) ? { at } : {}),
      members: [],
    };
  }
  const v = participants.safeParse(activity.value);
  if (!v.success) return undefined;
  const hostTenant = activity.conversation?.tenantId ?? tenantOf.safeParse(activity.channelData).data?.tenant.id;
  const idOf = (user: { id: string; aadObjectId?: string; tenantId?: string }): string =>
    user.aadObjectId ? (hostTenant ? personKey(user.aadObjectId, user.tenantId, hostTenant) : user.aadObjectId) : user.id;
  return {
    kind,
    meetingId: channel.data.meeting.id,
    members: v.data.members.map((m) => ({ userId: idOf(m.user), teamsId: m.user.id, name: m.user.name || 'Someone' })),
  };
}
