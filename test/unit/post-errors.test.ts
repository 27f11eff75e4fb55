import { classifyPostError } from '../../src/teams/poster';

describe('classifying a failed post: may it have landed?', () => {
  test('when Teams answered with a status, then the post is not unanswered (it was refused)', () => {
    expect(classifyPostError({ statusCode: 500, code: 'ServiceError' })).toEqual({ ok: false, status: 500, code: 'ServiceError', retryAfterMs: undefined });
  });
  test('when the outbound timeout aborted the request, then it is unanswered (it may have landed)', () => {
    const err = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(classifyPostError(err)).toMatchObject({ ok: false, code: 'Timeout', unanswered: true });
  });
  test('when the connection was cut after the request was written, then it is unanswered', () => {
    expect(classifyPostError({ code: 'ECONNRESET' })).toMatchObject({ unanswered: true });
    expect(classifyPostError(new Error('socket hang up'))).toMatchObject({ unanswered: true });
  });
  test('when no connection could be made, then nothing was sent and it is safe to retry', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']) expect(classifyPostError({ code }).ok === false && 'unanswered' in classifyPostError({ code })).toBe(false);
  });
});
