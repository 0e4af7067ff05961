export type CsvDelimiter = ',' | ';' | '\t';

const CANDIDATES: readonly CsvDelimiter[] = [',', ';', '\t'];

export interface DelimiterGuess {
  delimiter: CsvDelimiter;
  /** Where the CSV starts: past Excel's `sep=;` line when the file has one. */
  start: number;
}

const SEP_LINE = /^sep=(.)[ \t]*(?:\r\n|\n|\r|$)/i;

/**
 * Reads the delimiter off the header line: Excel's `sep=` line when there is one, otherwise the
 * candidate (`,` `;` tab) seen most often outside quotes on the first non-empty line; a comma on
 * a tie or when there is none (a file with one column).
 */
export function detectDelimiter(text: string): DelimiterGuess {
  const sep = SEP_LINE.exec(text);
  if (sep && (CANDIDATES as readonly string[]).includes(sep[1])) {
    return { delimiter: sep[1] as CsvDelimiter, start: sep[0].length };
  }
  const counts: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  let content = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      quoted = !quoted;
      content = true;
    } else if (quoted) {
      continue;
    } else if (c === '\n' || c === '\r') {
      if (content) break;
    } else if (c === ',' || c === ';' || c === '\t') {
      counts[c]++;
      content = true;
    } else if (c !== ' ') {
      content = true;
    }
  }
  let best: CsvDelimiter = ',';
  for (const d of CANDIDATES) if (counts[d] > counts[best]) best = d;
  return { delimiter: best, start: 0 };
}
