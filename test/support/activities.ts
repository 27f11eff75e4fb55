import { randomUUID } from 'node:crypto';

/**
 * Builders for Teams-shaped activities, as Teams sends them to a bot: ids, tenant and team in
 * channelData, `<at>` mentions with their entities, invoke names and values.
 */
export const BOT = { id: '28:coach-bot-id', name: 'Coach' };
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const TEAM = '19:team-general-ab12@thread.tacv2';
export const CHANNEL = '19:channel-km-cd34@thread.tacv2';
export const GROUP_CHAT = '19:meeting_groupchat-ef56@thread.v2';

export interface Person {
  id: string;
  name: string;
  aadObjectId: string;
}

export function person(n: number | string, name?: string): Person {
  return { id: `29:user-${n}`, name: name ?? `Person ${n}`, aadObjectId: `aad-user-${n}` };
}

export const ALICE = person('alice', 'Alice Organizer');
export const BOB = person('bob', 'Bob Member');

export type Activity = Record<string, unknown> & { id: string; type: string };

export interface Where {
  tenantId?: string;
  teamId?: string;
  /** Conversation id (a channel id for channel conversations). */
  conversationId?: string;
  from?: Person;
  timezone?: string;
  /** A shared channel (channelData.channel.type 'shared'), as Teams marks one. */
  shared?: boolean;
}

export class TeamsBuilder {
  constructor(readonly serviceUrl: string) {}

  private base(type: string, where: Where, conversation: Record<string, unknown>, channelData: Record<string, unknown>): Activity {
    const tenantId = where.tenantId ?? TENANT;
    const from = where.from ?? BOB;
    return {
      type,
      id: `1${Date.now()}${Math.floor(Math.random() * 1e6)}`,
      timestamp: new Date().toISOString(),
      localTimestamp: new Date().toISOString(),
      localTimezone: where.timezone ?? 'Europe/Amsterdam',
      serviceUrl: this.serviceUrl,
      channelId: 'msteams',
      from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
      conversation: { ...conversation, tenantId },
      recipient: { id: BOT.id, name: BOT.name },
      locale: 'en-US',
      entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: where.timezone ?? 'Europe/Amsterdam' }],
      channelData: { tenant: { id: tenantId }, ...channelData },
    };
  }

  private channel(where: Where): { conversation: Record<string, unknown>; channelData: Record<string, unknown> } {
    const teamId = where.teamId ?? TEAM;
    const channelId = where.conversationId ?? CHANNEL;
    return {
      conversation: { isGroup: true, conversationType: 'channel', id: channelId },
      channelData: { teamsChannelId: channelId, teamsTeamId: teamId, channel: { id: channelId, ...(where.shared ? { type: 'shared', name: 'Customers' } : {}) }, team: { id: teamId } },
    };
  }

  /** `@Coach <text>` in a team channel, with the mention entity Teams adds. */
  channelMessage(text: string, where: Where = {}, mentions: Person[] = []): Activity {
    const { conversation, channelData } = this.channel(where);
    const a = this.base('message', where, conversation, channelData);
    const mentionText = `<at>${BOT.name}</at>`;
    const others = mentions.map((p) => `<at>${p.name}</at>`);
    let body = text;
    for (const [i, p] of mentions.entries()) body = body.replace(`@${p.name}`, others[i] ?? '');
    return {
      ...a,
      text: `${mentionText} ${body}`,
      textFormat: 'plain',
      entities: [
        { type: 'mention', text: mentionText, mentioned: { id: BOT.id, name: BOT.name } },
        ...mentions.map((p) => ({ type: 'mention', text: `<at>${p.name}</at>`, mentioned: { id: p.id, name: p.name, aadObjectId: p.aadObjectId } })),
        ...(a.entities as unknown[]),
      ],
    };
  }

  /** A message in a personal (1:1) chat with the bot: no mention needed. */
  personalMessage(text: string, where: Where = {}): Activity {
    const from = where.from ?? BOB;
    const conversationId = where.conversationId ?? `a:personal-${from.aadObjectId}`;
    return { ...this.base('message', where, { conversationType: 'personal', id: conversationId }, {}), text, textFormat: 'plain' };
  }

  groupMessage(text: string, where: Where = {}): Activity {
    const conversationId = where.conversationId ?? GROUP_CHAT;
    const mentionText = `<at>${BOT.name}</at>`;
    const a = this.base('message', where, { isGroup: true, conversationType: 'groupChat', id: conversationId }, {});
    return {
      ...a,
      text: `${mentionText} ${text}`,
      textFormat: 'plain',
      entities: [{ type: 'mention', text: mentionText, mentioned: { id: BOT.id, name: BOT.name } }, ...(a.entities as unknown[])],
    };
  }

  /** Action.Submit on a card: a message with `value` and no text. */
  cardSubmit(data: Record<string, unknown>, where: Where = {}, scope: 'channel' | 'groupChat' | 'personal' = 'channel'): Activity {
    const a = this.conversationFor(scope, where, 'message');
    return { ...a, value: data, replyToId: `act-card-${randomUUID()}` };
  }

  /** Action.Execute on a card: an `adaptiveCard/action` invoke. */
  cardAction(verb: string, data: Record<string, unknown>, where: Where = {}, scope: 'channel' | 'groupChat' | 'personal' = 'channel', replyToId = `act-card-${randomUUID()}`): Activity {
    const a = this.conversationFor(scope, where, 'invoke');
    return {
      ...a,
      name: 'adaptiveCard/action',
      replyToId,
      value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
    };
  }

  /** Action.Submit with `msteams: { type: 'task/fetch' }`: Teams asks the bot for a dialog, with the button's data. */
  taskFetch(data: Record<string, unknown>, where: Where = {}, scope: 'channel' | 'groupChat' | 'personal' = 'channel'): Activity {
    const a = this.conversationFor(scope, where, 'invoke');
    return { ...a, name: 'task/fetch', replyToId: `act-card-${randomUUID()}`, value: { type: 'task/fetch', data: { msteams: { type: 'task/fetch' }, ...data }, context: { theme: 'default' } } };
  }

  /** The dialog's Action.Submit: `task/submit` with the dialog card's data and inputs. */
  taskSubmit(data: Record<string, unknown>, where: Where = {}, scope: 'channel' | 'groupChat' | 'personal' = 'channel'): Activity {
    const a = this.conversationFor(scope, where, 'invoke');
    return { ...a, name: 'task/submit', value: { type: 'task/submit', data, context: { theme: 'default' } } };
  }

  /** Message action "..." > app: the dialog's fetchTask invoke, carrying the message. */
  messageActionFetch(commandId: string, message: { id: string; html: string; from: Person; fromTenantId?: string }, where: Where = {}): Activity {
    const a = this.conversationFor('channel', where, 'invoke');
    return {
      ...a,
      name: 'composeExtension/fetchTask',
      value: {
        commandId,
        commandContext: 'message',
        context: { theme: 'default' },
        messagePayload: this.messagePayload(message),
      },
    };
  }

  messageActionSubmit(commandId: string, data: Record<string, unknown>, message: { id: string; html: string; from: Person; fromTenantId?: string }, where: Where = {}): Activity {
    const a = this.conversationFor('channel', where, 'invoke');
    return {
      ...a,
      name: 'composeExtension/submitAction',
      value: { commandId, commandContext: 'message', data, context: { theme: 'default' }, messagePayload: this.messagePayload(message) },
    };
  }

  private messagePayload(message: { id: string; html: string; from: Person; fromTenantId?: string }): Record<string, unknown> {
    return {
      id: message.id,
      createdDateTime: new Date().toISOString(),
      messageType: 'message',
      importance: 'normal',
      locale: 'en-us',
      linkToMessage: `https://teams.microsoft.com/l/message/${encodeURIComponent(CHANNEL)}/${message.id}`,
      from: { user: { id: message.from.aadObjectId, displayName: message.from.name, userIdentityType: 'aadUser', ...(message.fromTenantId ? { tenantId: message.fromTenantId } : {}) } },
      body: { contentType: 'html', content: message.html },
      attachments: [],
      mentions: [],
      reactions: [],
    };
  }

  /** The bot was added to (or removed from) a team, a group chat or a personal scope. */
  botAdded(scope: 'channel' | 'groupChat' | 'personal', where: Where = {}): Activity {
    const a = this.conversationFor(scope, where, 'conversationUpdate');
    const channelData = { ...(a.channelData as Record<string, unknown>), ...(scope === 'channel' ? { eventType: 'teamMemberAdded' } : {}) };
    return { ...a, membersAdded: [{ id: BOT.id }], channelData };
  }

  botRemoved(scope: 'channel' | 'groupChat' | 'personal', where: Where = {}): Activity {
    const a = this.conversationFor(scope, where, 'conversationUpdate');
    const channelData = { ...(a.channelData as Record<string, unknown>), ...(scope === 'channel' ? { eventType: 'teamMemberRemoved' } : {}) };
    return { ...a, membersRemoved: [{ id: BOT.id }], channelData };
  }

  installationUpdate(action: 'add' | 'remove', scope: 'channel' | 'groupChat' | 'personal', where: Where = {}): Activity {
    const a = this.conversationFor(scope, where, 'installationUpdate');
    return { ...a, action, value: { action } };
  }

  conversationFor(scope: 'channel' | 'groupChat' | 'personal', where: Where, type: string): Activity {
    if (scope === 'channel') {
      const { conversation, channelData } = this.channel(where);
      return this.base(type, where, conversation, channelData);
    }
    if (scope === 'groupChat') return this.base(type, where, { isGroup: true, conversationType: 'groupChat', id: where.conversationId ?? GROUP_CHAT }, {});
    const from = where.from ?? BOB;
    return this.base(type, where, { conversationType: 'personal', id: where.conversationId ?? `a:personal-${from.aadObjectId}` }, {});
  }
}
