import type { TableClient } from '@azure/data-tables';
import { encodeKeyPart, key } from '../../store/keys';
import { listPartition, statusOf } from '../../store/tables';
import { parseReference } from '../../teams/reference';
import { questionVisibilityOf, type Question } from './model';

/**
 * The tenant's open network questions: the questions every team of the host tenant may see
 * (visibility `network`) while nobody has answered them, one partition per tenant, so another
 * team's digest reads them by key (a row-key range), never by scanning every team's questions.
 *
 *   open|<questionId>|<space>   what another team may see: text, themes, asker, where it was asked
 *
 * It is kept beside the question's own partition (a transaction cannot span two partitions) in
 * the order the stories' index uses (stories/network.ts), which can only hide, never leak: a
 * change that takes the question off the list (narrowed to the team, answered) deletes the row
 * BEFORE the question is written where it can; and every change of a listed question ends by
 * bringing the row in line with the question AS STORED NOW (`follow` in service.ts), so a
 * publish that arrives late, after the asker narrowed it, is taken back.
 */
export const QUESTION_NETWORK_TABLE = 'questionnetwork';

export interface NetworkQuestionRow {
  questionId: string;
  spaceId: string;
  conversationId: string;
  text: string;
  /** The asker's id as well as their name, so `my data` and `forget me` find the row by id (names change). */
  askerId: string;
  askerName: string;
  bucket: string;
  themes: string;
  createdAt: number;
  /** A deep link to the thread it was asked in (channels only), for the members of that channel. */
  link?: string;
}

/** Listed for other teams: visible to the network and not answered yet (the team's own open list drops it at the first answer too). */
export const listedInNetwork = (q: Question): boolean => questionVisibilityOf(q) === 'network' && q.answerIds.length === 0 && !q.accepted;

const partitionOf = (tenantId: string): string => key(tenantId);
const rowKeyOf = (q: Pick<Question, 'questionId' | 'spaceId'>): string => `open|${q.questionId}|${encodeKeyPart(q.spaceId)}`;

/**
 * The Teams deep link to a channel thread (`/l/message/{channelId}/{rootId}`, the format Teams
 * documents for a channel conversation): the question's card is a reply in that thread. Only
 * people who are members of the channel can open it; a group chat gets no link (its members only).
 */
export function threadLink(q: Pick<Question, 'thread' | 'tenantId'>): string | undefined {
  const id = parseReference(q.thread)?.conversation.id ?? '';
  const m = /^(19:[^;]+@thread\.(?:tacv2|skype));messageid=(\d+)$/.exec(id);
  if (!m?.[1] || !m[2]) return undefined;
  return `https://teams.microsoft.com/l/message/${encodeURIComponent(m[1])}/${m[2]}?tenantId=${encodeURIComponent(q.tenantId)}&parentMessageId=${m[2]}`;
}

export class QuestionNetwork {
  constructor(private readonly table: TableClient) {}

  /** Writes the question's row (its current text and themes). */
  async publish(q: Question): Promise<void> {
    const link = threadLink(q);
    const row: NetworkQuestionRow = {
      questionId: q.questionId,
      spaceId: q.spaceId,
      conversationId: q.conversationId,
      text: q.text,
      askerId: q.asker.userId,
      askerName: q.asker.userName,
      bucket: q.bucket,
      themes: JSON.stringify(q.themes),
      createdAt: q.createdAt.getTime(),
      ...(link ? { link } : {}),
    };
    await this.table.upsertEntity({ partitionKey: partitionOf(q.tenantId), rowKey: rowKeyOf(q), ...row }, 'Replace');
  }

  /** Deletes the question's row; one already gone is what we want. */
  async withdraw(q: Pick<Question, 'tenantId' | 'questionId' | 'spaceId'>): Promise<void> {
    await this.table.deleteEntity(partitionOf(q.tenantId), rowKeyOf(q)).catch((e: unknown) => {
      if (statusOf(e) !== 404) throw e;
    });
  }

  /** The tenant's open network questions, newest first (question ids sort newest first), at most `limit`. */
  async newest(tenantId: string, limit: number): Promise<NetworkQuestionRow[]> {
    return listPartition<NetworkQuestionRow>(this.table, partitionOf(tenantId), { from: 'open|', to: 'open}' }, limit);
  }
}
