import { safeLine } from '../../cards/safeText';
import type { ThemeScore } from '../../themes';
import { STORY_ID, type Space, type Story } from './model';
import type { StoriesService } from './service';
import { storyStrings as s } from './strings';

/**
 * "Why these themes": for each theme on the story, the tagger's score and the words that
 * weighed most; themes a person set that the tagger would not have chosen say so; one more
 * likely theme the story does not have is offered. A person can always override with Edit tags.
 */
export function whyLines(story: Story, scores: readonly ThemeScore[]): string[] {
  const byId = new Map(scores.map((x) => [x.id, x]));
  const lines = story.themes.map((id) => {
    const score = byId.get(id);
    return score?.suggested ? s.whyLine(id, Math.round(score.score * 100), score.why) : s.whyPerson(id);
  });
  const also = scores.find((x) => x.suggested && !story.themes.includes(x.id));
  if (also) lines.push(s.whyAlso(also.id, Math.round(also.score * 100), also.why));
  if (lines.length === 0) lines.push(s.whyNone);
  return [...lines, s.whyOverride];
}

/** `themes why [story id]`: the explanation as a message (the newest story of the space without an id). */
export async function whyMessage(service: Pick<StoriesService, 'explainThemes' | 'library'>, where: Space, args: string): Promise<string> {
  const id = args.trim();
  if (id && !STORY_ID.test(id)) return s.whyUsage;
  const storyId = id || (await service.library(where, '', 0)).stories[0]?.storyId;
  if (!storyId) return s.libraryEmpty;
  const { story, scores } = await service.explainThemes(where, storyId);
  const preview = story.text.length > 60 ? `${story.text.slice(0, 60).trimEnd()}…` : story.text;
  return [safeLine(s.whyHeading(preview)), ...whyLines(story, scores).map((l) => `- ${safeLine(l, 600)}`)].join('\n\n');
}
