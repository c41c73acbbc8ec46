/** Edit distance (Levenshtein), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Longer words are never a typo of a field name (and comparing them would cost their length squared). */
const MAX_WORD = 64;

/** The closest candidate, if it is close enough to be what the user meant. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_WORD) return undefined;
  const w = word.toLowerCase().replace(/[_-]/g, '');
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const candidate = c.toLowerCase().replace(/[_-]/g, '');
    // The distance is at least the difference of the lengths: skip what cannot be close enough.
    if (candidate.length > MAX_WORD || Math.abs(candidate.length - w.length) > limit) continue;
    const score = editDistance(w, candidate);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best !== undefined && bestScore <= limit ? best : undefined;
}
