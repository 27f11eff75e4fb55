/** The tagger's own words in what people see ("why" lists a figure or an amount as a reason). */
export const themeStrings = {
  aFigure: 'a figure',
  money: 'an amount of money',
};
