import { UserError } from '../../src/errors';
import { parseGoal, progressOf, type Goal } from '../../src/features/insights/goals';
import { formatAmount, parseValue, statedValue, valueTextIn } from '../../src/features/insights/value';

describe('values stated on stories', () => {
  test.each([
    ['120 hours a month saved', { kind: 'hours saved', amount: 120, unit: 'hours', per: 'month', basis: 'estimated' }],
    ['$40k travel cost avoided', { kind: 'travel cost avoided', amount: 40_000, unit: 'USD', basis: 'estimated' }],
    ['CSAT +6', { kind: 'csat', amount: 6, unit: 'points', basis: 'estimated' }],
    ['NPS -3 (measured)', { kind: 'nps', amount: -3, unit: 'points', basis: 'measured' }],
    ['30 fewer escalations a month (measured)', { kind: 'fewer escalations', amount: 30, unit: 'count', per: 'month', basis: 'measured' }],
    ['€1.2m revenue from referrals per year', { kind: 'revenue from referrals', amount: 1_200_000, unit: 'EUR', per: 'year' }],
    ['about 40,000 USD license cost avoided annually', { kind: 'license cost avoided', amount: 40_000, unit: 'USD', per: 'year', basis: 'estimated' }],
    ['2 days per week saved on onboarding', { kind: 'hours saved on onboarding', amount: 16, unit: 'hours', per: 'week' }],
    ['15% fewer tickets', { kind: 'fewer tickets', amount: 15, unit: '%' }],
  ])('when a story says "value: %s", then it is read as its kind, amount, unit, period and basis', (text, expected) => {
    expect(parseValue(text)).toMatchObject({ ...expected, text });
  });

  test.each([
    ['', /Write the value after "value:"/],
    ['lots of time', /could not read the value "lots of time": it needs a number/],
    ['120', /has a number but not what it is/],
    ['0 hours saved', /could not read the value/],
    ['9'.repeat(20) + ' hours saved', /could not read the value/],
    ['x'.repeat(200), /up to 120 characters/],
  ])('when the value is "%s", then the person is told how to write one', (text, message) => {
    expect(() => parseValue(text)).toThrow(UserError);
    expect(() => parseValue(text)).toThrow(message);
  });

  test('when the value is part of a story, then it is found up to the line end, a #tag, ; or customer:', () => {
    expect(valueTextIn('Contoso did it. value: 120 hours a month saved #roi customer: Contoso')).toBe('120 hours a month saved');
    expect(valueTextIn('Contoso did it customer: Contoso value: $40k travel cost avoided')).toBe('$40k travel cost avoided');
    expect(valueTextIn('A story about value: none here\nsecond line')).toBe('none here');
    expect(valueTextIn('No value stated; the evaluation: good')).toBeUndefined();
    expect(statedValue('Plain story')).toBeUndefined();
    expect(() => statedValue('Story value: lots')).toThrow(UserError);
  });

  test('amounts are shown with their unit and period', () => {
    expect(formatAmount(40_000, 'USD')).toBe('$40,000');
    expect(formatAmount(120, 'hours', 'month')).toBe('120 hours a month');
    expect(formatAmount(6, 'points')).toBe('+6 points');
    expect(formatAmount(2.25, '%')).toBe('2.3%');
  });
});

describe('goals', () => {
  test('when a goal is added with a baseline, then its target, direction and measure come from the title', () => {
    expect(parseGoal('add "Cut support escalations 15% by Q3" baseline 120/month'.slice(4))).toEqual({
      title: 'Cut support escalations 15% by Q3',
      baseline: 120,
      per: 'month',
      targetPercent: 15,
      direction: 'down',
      measure: ['support', 'escalation'],
    });
    expect(parseGoal('“Grow renewals 10%” baseline 1,200 per year')).toMatchObject({ baseline: 1200, per: 'year', direction: 'up', measure: ['renewal'] });
    expect(parseGoal('Double champions baseline 40')).toMatchObject({ title: 'Double champions', baseline: 40, measure: ['champion'] });
  });

  test.each([
    ['"Cut support escalations 15% by Q3"', /needs a baseline/],
    ['"Cut support escalations 15% by Q3" baseline lots', /needs a baseline/],
    ['"Cut support escalations 15% by Q3" baseline 0', /needs a baseline/],
    ['', /Add a goal like this/],
    ['"15% by Q3" baseline 10', /what the goal measures/],
    [`"${'x'.repeat(150)}" baseline 10`, /up to 140 characters/],
  ])('when the goal is %s, then it is refused with a reason', (args, message) => {
    expect(() => parseGoal(args)).toThrow(message);
  });

  test('when stories report values, then progress counts the ones about the goal, converted to its period', () => {
    const goal: Goal = { goalId: 'g', title: 'Cut support escalations 15% by Q3', baseline: 120, per: 'month', targetPercent: 15, direction: 'down', measure: ['support', 'escalation'], addedBy: 't', addedAt: new Date() };
    const p = progressOf(goal, [
      { kind: 'fewer escalations', amount: 6, unit: 'count', per: 'month' },
      { kind: 'fewer escalations', amount: 36, unit: 'count', per: 'year' },
      { kind: 'hours saved', amount: 500, unit: 'hours', per: 'month' },
      { kind: 'travel cost avoided', amount: 9000, unit: 'USD' },
    ]);
    expect(p.target).toBe(18);
    expect(p.reported).toBe(9);
    expect(p.stories).toBe(2);
    expect(p.share).toBeCloseTo(0.5);
  });
});
