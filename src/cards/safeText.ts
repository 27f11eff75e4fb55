/**
 * Card text built from people's words must show as they wrote it, and must not become a link,
 * a mention, a heading, a Teams date function or markup. Adaptive Card TextBlocks interpret a
 * subset of Markdown, so its special characters are escaped with a backslash; `<at>` and other
 * tags are not rendered by cards but are neutralised anyway so they cannot be re-sent as HTML.
 */
export function safeText(input: string, maxLength = 4000): string {
  const cleaned = input
    // control characters (keep tab and newline)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '')
    .slice(0, maxLength);
  return cleaned
    .replace(/([\\`*_[\]()#~|])/g, '\\$1')
    // list markers and quotes only mean something at the start of a line
    .replace(/^(\s*)([-+>]|\d+\.)(?=\s)/gm, (_, space: string, marker: string) =>
      marker.endsWith('.') ? `${space}${marker.slice(0, -1)}\\.` : `${space}\\${marker}`,
    )
    // Only a `<` that could open a tag (`<at>`, `</b>`, `<!--`) is changed, to the single angle
    // quotation mark: Teams would strip the tag; fullwidth brackets show as boxes in its font.
    // `a < b` and `<3` stay as written.
    .replace(/<(?=[A-Za-z/!?])/g, '\u2039')
    // Teams expands {{DATE(...)}} and {{TIME(...)}} in card text
    .replace(/\{\{/g, '{\u200B{');
}

/** One line, for titles and names: newlines collapse to spaces. */
export function safeLine(input: string, maxLength = 200): string {
  return safeText(input.replace(/\s+/g, ' ').trim(), maxLength);
}
