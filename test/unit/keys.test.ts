import { encodeKeyPart, decodeKeyPart, key, newestFirstKey, timeFromNewestFirstKey } from '../../src/store/keys';

describe('key encoding', () => {
  test.each([
    ['19:abc@thread.tacv2', '19:abc@thread.tacv2'],
    ['a/b\\c#d?e', 'a%2Fb%5Cc%23d%3Fe'],
    ['100%|x', '100%25%7Cx'],
    ['tab\there\nnew', 'tab%09here%0Anew'],
  ])('encodes %j as a legal key part', (raw, expected) => {
    expect(encodeKeyPart(raw)).toBe(expected);
    expect(decodeKeyPart(encodeKeyPart(raw))).toBe(raw);
  });

  test('a very long id becomes a short, stable, distinct key part', () => {
    const long = 'a:' + 'x'.repeat(2000);
    const other = 'a:' + 'x'.repeat(1999) + 'y';
    expect(encodeKeyPart(long).length).toBeLessThanOrEqual(200);
    expect(encodeKeyPart(long)).toBe(encodeKeyPart(long));
    expect(encodeKeyPart(long)).not.toBe(encodeKeyPart(other));
  });

  test('joined parts cannot collide through the separator', () => {
    expect(key('a|b', 'c')).not.toBe(key('a', 'b|c'));
  });

  test('newest-first keys sort later times first and round-trip', () => {
    const early = new Date('2026-01-01T00:00:00Z');
    const late = new Date('2026-06-01T00:00:00Z');
    expect(newestFirstKey(late) < newestFirstKey(early)).toBe(true);
    expect(timeFromNewestFirstKey(newestFirstKey(late, 'x')).getTime()).toBe(late.getTime());
  });
});
