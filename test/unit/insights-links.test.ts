import { csvCell, toCsv } from '../../src/features/insights/csv';

describe('CSV for spreadsheets', () => {
  test.each([
    ['=1+1', "'=1+1"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=x', "'\t=x"],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    [' padded ', '" padded "'],
  ])('when a cell is %j, then it is written as %j', (raw, written) => {
    expect(csvCell(raw)).toBe(written);
  });

  test('numbers, dates and empty values are written as such (a negative number is not a formula)', () => {
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(new Date('2026-12-01T00:00:00Z'))).toBe('2026-12-01T00:00:00.000Z');
    expect(csvCell(undefined)).toBe('');
    expect(toCsv(['a', 'b'], [[1, '=x']])).toBe("\uFEFFa,b\r\n1,'=x\r\n");
  });
});
