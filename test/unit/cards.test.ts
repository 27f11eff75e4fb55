import { cardProblems } from '../support/cards';
import { card } from '../../src/cards/types';
import { safeText, safeLine } from '../../src/cards/safeText';
import { helpCard, welcomeCard } from '../../src/features/help/cards';
import { CommandRegistry } from '../../src/teams/commands';

describe('card validation (adaptivecards library, schema 1.5)', () => {
  test('a well-formed card has no problems', () => {
    expect(cardProblems(card([{ type: 'TextBlock', text: 'hi', wrap: true }]))).toEqual([]);
  });

  test('the validator does catch broken cards: unknown element, duplicate ids, missing text', () => {
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'NoSuchThing' }] }).length).toBeGreaterThan(0);
    expect(
      cardProblems({
        type: 'AdaptiveCard',
        version: '1.5',
        body: [
          { type: 'Input.Text', id: 'same' },
          { type: 'Input.Text', id: 'same' },
        ],
      }).length,
    ).toBeGreaterThan(0);
  });

  test('help and welcome cards are valid', () => {
    const commands = new CommandRegistry();
    commands.add({ name: 'help', usage: 'help', summary: 'Show help.', group: 'Getting started', handle: async () => undefined });
    expect(cardProblems(helpCard(commands.list(), 'channel'))).toEqual([]);
    expect(cardProblems(welcomeCard())).toEqual([]);
  });
});

describe('safeText: people\'s words on cards', () => {
  test('markdown links, emphasis and headings are shown literally', () => {
    const out = safeText('[click me](https://evil.example) **bold** # heading');
    expect(out).not.toMatch(/(^|[^\\])\[/);
    expect(out).toContain('\\[click me\\]\\(https://evil.example\\)');
    expect(out).toContain('\\*\\*bold\\*\\*');
  });

  test('mentions and html cannot be injected', () => {
    const out = safeText('<at>Everyone</at> <a href="x">y</a>');
    expect(out).not.toMatch(/<[A-Za-z/]/);
    // No fullwidth brackets (they show as boxes in Teams' font); a plain `<` that opens no tag stays.
    expect(out).not.toMatch(/[\uFF1C\uFF1E]/);
    expect(safeText('a < b and <3')).toBe('a < b and <3');
  });

  test('Teams date functions are neutralised and control characters dropped', () => {
    expect(safeText('{{DATE(2026-01-01T00:00:00Z)}}')).not.toContain('{{');
    expect(safeText('a\u0000b\u0007c')).toBe('abc');
  });

  test('list markers only at line starts are escaped; numbers elsewhere are kept', () => {
    expect(safeText('1. first\n- second\nwe grew 1.5x')).toBe('1\\. first\n\\- second\nwe grew 1.5x');
  });

  test('safeLine collapses newlines and truncates', () => {
    expect(safeLine('a\n\nb', 10)).toBe('a b');
    expect(safeLine('x'.repeat(500), 50)).toHaveLength(50);
  });
});
