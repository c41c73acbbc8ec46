// kubectl's table layout: UPPERCASE headers, columns padded by three spaces, `<none>` for empty cells.
// Cells often hold what others wrote (a field manager's name, an event's message, an image): each is made
// one line that cannot act on the terminal (terminalCell), and the widths are those of what is printed.
import { terminalCell } from '../../lib/text.ts';

export function formatTable(headers: string[], rows: (string | undefined)[][], options: { noHeaders?: boolean } = {}): string {
  const all = options.noHeaders ? rows : [headers, ...rows];
  const cells = all.map((r) => r.map((c) => (c === undefined || c === '' ? '<none>' : terminalCell(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length + 3)))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
