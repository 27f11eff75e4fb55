import { parseCaptureText } from '../../src/features/stories/parse';
import { parseCallShortcut } from '../../src/features/agenda/parse';
import { networkCopy } from '../../src/features/stories/network';
import { ANONYMOUS_TELLER, summaryOf, type Story } from '../../src/features/stories/model';

/** What people type for visibility, anonymity and off the record; what other teams may see of a story. */
describe('capture text: visibility and anonymous', () => {
  test('when visibility: is written anywhere, then it is read and removed from the story', () => {
    expect(parseCaptureText('Contoso halved onboarding visibility: network customer: Contoso')).toMatchObject({ text: 'Contoso halved onboarding', visibility: 'network', customer: 'Contoso' });
    expect(parseCaptureText('visibility: Team Contoso halved onboarding')).toMatchObject({ text: 'Contoso halved onboarding', visibility: 'team' });
    // An unknown word is kept as typed, for the caller's plain answer.
    expect(parseCaptureText('a story visibility: everyone').visibility).toBe('everyone');
    expect(parseCaptureText('a story about visibility in teams').visibility).toBeUndefined();
  });

  test('when the story starts with anonymous, then the stand-in is read (straight or curly quotes), or left empty to be refused', () => {
    expect(parseCaptureText('anonymous as "a customer in retail" They halved churn')).toMatchObject({ text: 'They halved churn', anonymous: { standIn: 'a customer in retail' } });
    expect(parseCaptureText('Anonymous as \u201ca Nordic bank\u201d: churn halved')).toMatchObject({ text: 'churn halved', anonymous: { standIn: 'a Nordic bank' } });
    expect(parseCaptureText('anonymous They halved churn').anonymous).toEqual({ standIn: '' });
    // Only as the first word: a story that mentions anonymity is not anonymous.
    expect(parseCaptureText('They ran an anonymous survey').anonymous).toBeUndefined();
  });
});

describe('call shortcut: off the record', () => {
  test('when "off the record" follows the title, then the call is off the record and the rest still reads', () => {
    expect(parseCallShortcut('"Circle" 2026-12-10 16:00 monthly off the record', 'UTC')).toMatchObject({ title: 'Circle', cadence: 'monthly', offRecord: true });
    expect(parseCallShortcut('"Circle" off-the-record 2026-12-10 16:00', 'UTC')).toMatchObject({ title: 'Circle', offRecord: true });
    // Inside the quoted title it is the title's words.
    expect(parseCallShortcut('"Off the record talks" 2026-12-10 16:00', 'UTC')).toMatchObject({ title: 'Off the record talks' });
    expect(parseCallShortcut('"Off the record talks" 2026-12-10 16:00', 'UTC').offRecord).toBeUndefined();
  });
});

describe('what other teams and readers may see', () => {
  const story: Story = {
    storyId: '8000000000000-abcdef01',
    tenantId: 't',
    spaceId: 'team-a',
    conversationId: 'c',
    text: 'They halved churn',
    teller: { userId: 'carol', userName: 'Carol' },
    capturedBy: { userId: 'alice', userName: 'Alice' },
    customer: 'Secretco',
    themes: ['champions'],
    tags: [],
    endorsers: ['bob'],
    createdAt: new Date('2026-01-01T00:00:00Z'),
    terms: 'churn halve',
    visibility: 'network',
    anonymous: { standIn: 'a customer in retail' },
  };

  test('when a story is anonymous, then its network copy and its summary hold no teller, saver or customer', () => {
    const copy = JSON.stringify(networkCopy(story));
    for (const secret of ['Carol', 'carol', 'Alice', 'alice', 'Secretco']) expect(copy).not.toContain(secret);
    expect(copy).toContain('a customer in retail');
    const summary = summaryOf(story);
    expect(summary).toMatchObject({ tellerName: ANONYMOUS_TELLER, tellerId: '', customer: 'a customer in retail', anonymous: true, visibility: 'network', approved: false });
  });

  test('when a story is not anonymous, then its network copy is the story', () => {
    const { anonymous: _a, ...plain } = story;
    expect(networkCopy(plain)).toBe(plain);
    expect(summaryOf(plain)).toMatchObject({ tellerName: 'Carol', customer: 'Secretco', anonymous: false });
  });
});
