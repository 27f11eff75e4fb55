/** Everything the help and welcome cards say. */
export const helpStrings = {
  helpKicker: 'HELP',
  welcomeKicker: 'WELCOME',
  title: 'Network Coach',
  tagline: 'I help this network listen, inspire, connect and curate: call agendas the members build, stories worth retelling, questions routed to the people who know, and a weekly digest.',
  commandsHeading: 'What you can ask me',
  mentionHint: 'In a channel or group chat, start with @Coach.',
  personalHint: 'Here you can just type the command.',
  welcomeTitle: 'Hello! I am Network Coach.',
  welcomeBody: 'I keep this network alive with you: propose topics for the next call and vote on them, save the customer stories you hear, ask the network a question, and get a weekly digest of the best of it.',
  welcomeTry: 'Try **help** to see everything I can do.',
  helpButton: 'Show help',
};
