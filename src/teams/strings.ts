/** What the Teams edge itself says to people. One place, so it can be localised later. */
export const coreStrings = {
  unknownCommand: (word: string) => `I don't know "${word}". Type **help** to see what I can do.`,
  didYouMean: (word: string, command: string) => `I don't know "${word}". Did you mean **${command}**? Type **help** to see everything I can do.`,
  emptyMessage: 'Type **help** to see what I can do.',
  /** Only when the turn wrote nothing (the write tracker says so). */
  somethingWrong: (ref: string) => `Something went wrong on my side and nothing was saved. Please try again. (ref ${ref})`,
  /** When the turn wrote something before it failed: we cannot promise either way. */
  somethingWrongMaybeSaved: (ref: string) =>
    `Something went wrong on my side, so this may not have been saved. Check the card (or ask for a fresh one) before you try again. (ref ${ref})`,
  /** A card action failed, and the card shown is read again from storage: it is the truth. */
  cardFailedShowingTruth: (ref: string) => `Something went wrong on my side. This card shows what is saved now; press again if your change is missing. (ref ${ref})`,
  notAvailableHere: 'That command is not available in this kind of conversation.',
  cardActionUnknown: 'That button is from an older card. Ask me for a fresh one.',
  badCardData: 'That button sent something I could not read, so nothing changed.',
  cardFromElsewhere: 'That card belongs to another conversation, so nothing changed here.',
  alreadyDone: 'Already done.',
  done: 'Done.',
  /** A person from an organisation that is neither a host nor a partner (nothing is stored). */
  organisationNotAllowed:
    "Sorry, Network Coach isn't open to people from your organisation here, so I haven't saved anything. The channel's owner can ask the Coach's administrator to add your organisation as a partner.",
  /** In a shared channel, when Teams could not tell who the sender is (nothing is stored). */
  identityUnknown: "I couldn't check who you are with Teams just now, so I haven't saved anything. Please try again in a minute.",
};
