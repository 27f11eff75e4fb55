import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { z } from 'zod';
import { freePort } from './azurite';

/**
 * The Microsoft 365 Agents Playground (a Teams-like client this project did not write) as a child
 * process, driven through its own HTTP API: what its web UI does when a person types, clicks a
 * card button or triggers an install. The bot's replies arrive on the Playground's conversation
 * websocket, exactly as its UI receives them.
 */
export const PLAYGROUND_CONFIG_PATH = path.resolve(__dirname, '..', '..', '.m365agentsplayground.yml');

const account = z.object({ id: z.string(), name: z.string() }).passthrough();
const configSchema = z.object({
  config: z.object({
    tenantId: z.string(),
    bot: account,
    currentUser: account.extend({ aadObjectId: z.string() }),
    users: z.array(account),
    personalChat: z.object({ id: z.string() }),
    groupChats: z.array(z.object({ id: z.string(), name: z.string() })),
    teams: z.array(z.object({ id: z.string(), name: z.string(), channels: z.array(z.object({ id: z.string(), name: z.string() })) })),
  }),
});
export type PlaygroundConfig = z.infer<typeof configSchema>['config'];

const attachmentSchema = z.object({ contentType: z.string(), content: z.unknown() });
const streamEventSchema = z.object({
  action: z.enum(['createMessage', 'updateMessage', 'typing']),
  actionConversationId: z.string(),
  message: z
    .object({
      messageId: z.string(),
      from: z.object({ id: z.string() }).passthrough(),
      text: z.string().optional(),
      attachments: z.array(attachmentSchema).optional(),
      postConversationId: z.string().optional(),
    })
    .passthrough()
    .optional(),
});
export type StreamEvent = z.infer<typeof streamEventSchema>;

/** One message the bot sent, as the Playground's UI received it. */
export interface BotMessage {
  action: 'createMessage' | 'updateMessage';
  /** The conversation the UI shows it in (a channel post's thread, a chat). */
  conversationId: string;
  messageId: string;
  text?: string;
  attachments: { contentType: string; content?: unknown }[];
}

const createMessageResponse = z.object({ messageId: z.string(), postConversationId: z.string().optional() });

export class Playground {
  /** Every event the conversation websocket delivered, in order. */
  readonly events: StreamEvent[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly child: ChildProcess,
    /** The child's last output, for error messages. */
    private readonly output: { text: string },
    private readonly socket: WebSocket,
    private readonly tempDir: string,
    readonly url: string,
    readonly config: PlaygroundConfig,
  ) {}

  /** Starts the Playground on a free port, pointed at `botEndpoint` (…/api/messages). */
  static async start(options: { botEndpoint: string; configPath?: string; timeoutMs?: number }): Promise<Playground> {
    const port = await freePort();
    const tempDir = mkdtempSync(path.join(os.tmpdir(), 'playground-'));
    const cli = path.join(path.dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
    // Through scripts/dev.js's child wrapper: it stops the Playground if this test process dies.
    const wrapper = path.resolve(__dirname, '..', '..', 'scripts', 'dev.js');
    const child = spawn(process.execPath, ['--no-deprecation', wrapper, '--child', 'SIGTERM', cli, '-e', options.botEndpoint, '-c', 'msteams', '-p', String(port), '--disable-telemetry'], {
      cwd: tempDir,
      env: {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: options.configPath ?? PLAYGROUND_CONFIG_PATH,
        M365_AGENTS_PLAYGROUND_LOGFILE: path.join(tempDir, 'playground.log'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { text: '' };
    const keep = (chunk: Buffer): void => {
      output.text = (output.text + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    try {
      // GET /_internal/v1/config waits (up to 15 s) for the bot endpoint to answer, then returns the mock ids.
      let config: PlaygroundConfig | undefined;
      while (!config) {
        if (child.exitCode !== null) throw new Error(`the Playground exited with code ${child.exitCode}: ${output.text}`);
        if (Date.now() > deadline) throw new Error(`the Playground did not answer on ${url} in time: ${output.text}`);
        const res = await fetch(`${url}/_internal/v1/config`).catch(() => undefined);
        if (res?.ok) config = configSchema.parse(await res.json()).config;
        else await new Promise((r) => setTimeout(r, 100));
      }
      const socket = await openSocket(`ws://127.0.0.1:${port}/_ws_conversation/v1/conversations/stream`);
      const playground = new Playground(child, output, socket, tempDir, url, config);
      socket.on('message', (data) => playground.receive(data));
      return playground;
    } catch (err) {
      await stopChild(child);
      rmSync(tempDir, { recursive: true, force: true });
      throw err;
    }
  }

  get bot(): PlaygroundConfig['bot'] {
    return this.config.bot;
  }
  get me(): PlaygroundConfig['currentUser'] {
    return this.config.currentUser;
  }
  get generalChannelId(): string {
    return this.team.id;
  }
  get team(): PlaygroundConfig['teams'][number] {
    const team = this.config.teams[0];
    if (!team) throw new Error('the Playground config has no team');
    return team;
  }

  /**
   * What the UI sends when the current user presses Enter: `<at>Name</at>` for each mention and
   * a `mentions` list. In a channel this starts a new post (thread); its id is returned.
   */
  async say(conversationId: string, text: string, options: { mentionBot?: boolean } = {}): Promise<{ messageId: string; conversationId: string }> {
    const mention = `<at>${this.bot.name}</at>`;
    const body = {
      from: { id: this.me.id },
      text: options.mentionBot ? `${mention} ${text}` : text,
      textFormat: 'plain',
      ...(options.mentionBot ? { mentions: [{ mentioned: { id: this.bot.id, name: this.bot.name }, text: mention }] } : {}),
    };
    const res = await fetch(`${this.url}/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`the Playground refused the message: ${res.status} ${await res.text()}`);
    const parsed = createMessageResponse.parse(await res.json());
    return { messageId: parsed.messageId, conversationId: parsed.postConversationId ?? conversationId };
  }

  /** What the UI sends when an Action.Submit button of a bot's card is clicked. */
  async submit(conversationId: string, replyToId: string, value: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.url}/_conversation/v1/submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversation: { id: conversationId }, from: { id: this.me.id }, replyToId, value }),
    });
    if (!res.ok) throw new Error(`the Playground refused the card submit: ${res.status} ${await res.text()}`);
  }

  /** The Playground's "custom activity" menu (install, botAdded…): its own template, sent as is. */
  async trigger(type: 'install' | 'uninstall' | 'botAdded' | 'botRemoved', conversationId: string): Promise<void> {
    const query = new URLSearchParams({ type, conversationId });
    const template = await fetch(`${this.url}/_internal/v1/customActivities/template?${query}`);
    if (!template.ok) throw new Error(`the Playground has no ${type} template: ${template.status} ${await template.text()}`);
    const res = await fetch(`${this.url}/_internal/v1/customActivities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: await template.text(),
    });
    if (!res.ok) throw new Error(`the Playground refused the ${type} activity: ${res.status}`);
  }

  /** A point in the event stream: pass it as `after` to look only at what arrives later. */
  mark(): number {
    return this.events.length;
  }

  /** Messages from the bot (created or updated), optionally in one conversation (or its threads), optionally after a mark. */
  botMessages(conversationId?: string, after = 0): BotMessage[] {
    const out: BotMessage[] = [];
    for (const e of this.events.slice(after)) {
      if (e.action === 'typing' || !e.message || e.message.from.id !== this.bot.id) continue;
      const where = e.message.postConversationId ?? e.actionConversationId;
      if (conversationId && where !== conversationId && !where.startsWith(`${conversationId};`) && e.actionConversationId !== conversationId) continue;
      out.push({ action: e.action, conversationId: where, messageId: e.message.messageId, text: e.message.text, attachments: e.message.attachments ?? [] });
    }
    return out;
  }

  /** Waits until `predicate` holds for the bot's messages, or fails after `timeoutMs` with what arrived. */
  async waitFor<T>(predicate: (messages: BotMessage[]) => T | undefined | false, options: { conversationId?: string; after?: number; timeoutMs?: number } = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const check = (): T | undefined => {
      const result = predicate(this.botMessages(options.conversationId, options.after));
      return result === false || result === undefined ? undefined : result;
    };
    const now = check();
    if (now !== undefined) return now;
    return new Promise<T>((resolve, reject) => {
      const onEvent = (): void => {
        const result = check();
        if (result === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(onEvent);
        resolve(result);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(onEvent);
        reject(new Error(`timed out after ${timeoutMs} ms; the Playground received: ${JSON.stringify(this.events).slice(0, 2000)}\nits output: ${this.output.text.slice(-1000)}`));
      }, timeoutMs);
      this.waiters.add(onEvent);
    });
  }

  async stop(): Promise<void> {
    this.socket.terminate();
    await stopChild(this.child);
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private receive(data: WebSocket.RawData): void {
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      return;
    }
    const parsed = streamEventSchema.safeParse(json);
    if (!parsed.success) return;
    this.events.push(parsed.data);
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The adaptive cards among a bot message's attachments. */
export function adaptiveCards(message: BotMessage): Record<string, unknown>[] {
  return message.attachments
    .filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')
    .map((a) => z.record(z.unknown()).parse(typeof a.content === 'string' ? JSON.parse(a.content) : a.content));
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
