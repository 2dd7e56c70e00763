/** "did you mean …?" for a mistyped command, subcommand or option: the closest known name, if it is close. */

/** Edits (insert, delete, replace, swap of two neighbours) a typo may have: `--contnet` is two from `--content`. */
const MAX_DISTANCE = 2;

/** The known name closest to `typed`, when at most MAX_DISTANCE edits away; the first of equals. */
export function closest(typed: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_DISTANCE + 1;
  for (const name of known) {
    const d = distance(typed, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean X?)`, or '' when nothing is close. */
export function suggestion(typed: string, known: Iterable<string>): string {
  const name = closest(typed, known);
  return name === undefined ? '' : `: did you mean ${name}?`;
}

/** Optimal string alignment distance: Levenshtein's, with a swap of two neighbouring characters as one edit. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return MAX_DISTANCE + 1;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
