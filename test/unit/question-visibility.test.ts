import { isUserError } from '../../src/errors';
import { askedVisibility } from '../../src/features/connect/parse';
import { listedInNetwork, threadLink } from '../../src/features/connect/network';
import type { Question } from '../../src/features/connect/model';
import { connectStrings as s } from '../../src/features/connect/strings';

/** Who may see a question, as typed, and the pure rules of the tenant's list of network questions. */
describe('question visibility', () => {
  test('when "visibility:" is typed anywhere in a question, then it is taken out and read; without it the question is the team\'s', () => {
    expect(askedVisibility('How do you keep champions engaged?')).toEqual({ text: 'How do you keep champions engaged?', visibility: 'team' });
    expect(askedVisibility('How do you keep champions engaged? visibility: network')).toEqual({ text: 'How do you keep champions engaged?', visibility: 'network' });
    expect(askedVisibility('Visibility: NETWORK how do you onboard partners?')).toEqual({ text: 'how do you onboard partners?', visibility: 'network' });
    expect(askedVisibility('How do   visibility:team you run office hours?')).toEqual({ text: 'How do you run office hours?', visibility: 'team' });
  });

  test('when the word is "outside" or unknown, then the refusal says why, in plain words', () => {
    const refusal = (raw: string): string => {
      try {
        askedVisibility(raw);
      } catch (err) {
        if (isUserError(err)) return err.message;
        throw err;
      }
      throw new Error('not refused');
    };
    expect(refusal('Can we quote you? visibility: outside')).toBe(s.visibilityOutside);
    expect(refusal('Anyone? visibility: everyone')).toBe(s.visibilityUnknown('everyone'));
    expect(refusal('Anyone? visibility:')).toBe(s.visibilityUnknown(''));
  });

  test('when a question is open and visible to the network, then it is listed for other teams; answered, accepted or team-only, it is not', () => {
    const q = { visibility: 'network', answerIds: [] } as unknown as Question;
    expect(listedInNetwork(q)).toBe(true);
    expect(listedInNetwork({ ...q, visibility: undefined })).toBe(false);
    expect(listedInNetwork({ ...q, answerIds: ['a1b2c3d4e5f6'] })).toBe(false);
    expect(listedInNetwork({ ...q, accepted: { answerId: 'x', answerer: { userId: 'u', userName: 'U' }, by: { userId: 'u', userName: 'U' }, at: new Date() } })).toBe(false);
  });

  test('when a question was asked in a channel thread, then its link opens that thread; a chat or an unreadable reference gets none', () => {
    const ref = (id: string): string => JSON.stringify({ channelId: 'msteams', serviceUrl: 'https://smba.example/', conversation: { id } });
    expect(threadLink({ tenantId: 't-1', thread: ref('19:abc@thread.tacv2;messageid=1700000000123') })).toBe(
      'https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1700000000123?tenantId=t-1&parentMessageId=1700000000123',
    );
    expect(threadLink({ tenantId: 't-1', thread: ref('19:abc@thread.tacv2') })).toBeUndefined();
    expect(threadLink({ tenantId: 't-1', thread: ref('19:meeting_xyz@thread.v2') })).toBeUndefined();
    expect(threadLink({ tenantId: 't-1', thread: 'not json' })).toBeUndefined();
  });
});
