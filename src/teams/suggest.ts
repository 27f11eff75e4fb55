/**
 * "Did you mean": the known word closest to a mistyped one, by edit distance (Damerau-
 * Levenshtein, so a swapped pair of letters, `storeis`, counts once). Only close matches are
 * offered: at most 1 edit for short words, 2 for longer ones.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

export function closestWord(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase().slice(0, 40);
  const limit = w.length <= 4 ? 1 : 2;
  let best: { word: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(w, k);
    if (distance <= limit && (!best || distance < best.distance)) best = { word: k, distance };
  }
  return best?.word;
}
