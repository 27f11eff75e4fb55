/** What the Teams edge itself says to people. One place, so it can be localised later. */
export const coreStrings = {
  unknownCommand: (word: string) => `I don't know "${word}". Type **help** to see what I can do.`,
  emptyMessage: 'Type **help** to see what I can do.',
  somethingWrong: (ref: string) => `Something went wrong on my side and nothing was saved. Please try again. (ref ${ref})`,
  notAvailableHere: 'That command is not available in this kind of conversation.',
  cardActionUnknown: 'That button is from an older card. Ask me for a fresh one.',
  alreadyDone: 'Already done.',
};
