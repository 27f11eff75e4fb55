import { TestAdapter, TurnContext } from 'botbuilder';
import { afterAnswer, collectAfterAnswer, startAll, type AfterAnswer } from '../../src/teams/afterAnswer';
import { createLogger, type Logger } from '../../src/log';

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const log = createLogger('debug', {}, (line) => {
    const { level, event } = JSON.parse(line) as { level: string; event: string };
    if (level === 'error') errors.push(event);
  });
  return Object.assign(log, { errors });
}

const contextOf = (): TurnContext => new TurnContext(new TestAdapter(), { type: 'message', text: 'x' });

describe('work after the answer', () => {
  test('when a turn came over HTTP, then its bookkeeping waits until the answer is written, and one that throws is logged without stopping the others', () => {
    const context = contextOf();
    const queue: AfterAnswer[] = [];
    collectAfterAnswer(context, queue);
    const log = recordingLogger();
    const done: string[] = [];
    afterAnswer(context, () => void done.push('counter'), log);
    afterAnswer(context, () => { throw new Error('storage refused'); }, log);
    afterAnswer(context, () => void done.push('card id'), log);
    expect(done).toEqual([]);
    startAll(queue);
    expect(done).toEqual(['counter', 'card id']);
    expect(log.errors).toEqual(['turn.after_answer_failed']);
  });

  test('when a turn has no HTTP answer to wait for, then its bookkeeping starts at once', () => {
    const done: string[] = [];
    afterAnswer(contextOf(), () => void done.push('counter'), recordingLogger());
    expect(done).toEqual(['counter']);
  });
});
