import { createLogger, MAX_FIELD_CHARS, MAX_STACK_CHARS } from '../../src/log';

describe('log lines', () => {
  test('when a field holds a caller-controlled string of 100,000 characters, then the line stays short and says how much was cut', () => {
    const lines: string[] = [];
    const log = createLogger('debug', {}, (l) => lines.push(l)).child({ activityName: 'c'.repeat(100_000) });
    log.info('e'.repeat(100_000), { name: 'n'.repeat(100_000), stack: 's'.repeat(100_000), count: 5 });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(lines[0]!.length).toBeLessThan(4 * MAX_FIELD_CHARS + MAX_STACK_CHARS + 300);
    expect(entry.name).toBe(`${'n'.repeat(MAX_FIELD_CHARS)}...(${100_000 - MAX_FIELD_CHARS} more)`);
    expect(String(entry.stack)).toHaveLength(MAX_STACK_CHARS + `...(${100_000 - MAX_STACK_CHARS} more)`.length);
    expect(String(entry.activityName).startsWith('c'.repeat(MAX_FIELD_CHARS))).toBe(true);
    expect(entry.count).toBe(5);
  });

  test('when fields are short, then they are written unchanged', () => {
    const lines: string[] = [];
    createLogger('info', { service: 's' }, (l) => lines.push(l)).warn('http.rejected', { status: 415, path: '/api/messages' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', event: 'http.rejected', service: 's', status: 415, path: '/api/messages' });
  });
});
