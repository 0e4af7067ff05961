import { decodeText } from './decode';
import { importRecords } from './import-records';
import { failedImport } from './import-result';
import { DEFAULT_MAX_BYTES, tooLargeMessage } from './limits';
import type { ImportColumn, ImportOptions, ImportResult } from './types';

const LINE_BREAK = /\r\n|\n|\r/;

const PROMPT_COLUMN: ImportColumn = { header: 'prompt', index: 1, letter: 'A', field: 'prompt', automatic: true };

/**
 * "Paste prompts, one per line": every non-empty line is one video with the batch defaults.
 * Row numbers are line numbers.
 */
export function importPromptLines(text: string, options: ImportOptions = {}): ImportResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = Buffer.byteLength(text);
  if (size > maxBytes) return failedImport([tooLargeMessage(size, maxBytes)], { delimiter: '\n' });
  const decoded = decodeText(text);
  if (!decoded.ok) return failedImport([decoded.problem], { delimiter: '\n' });
  return importRecords(
    {
      records: decoded.text.split(LINE_BREAK).map((line) => [line.trim()]),
      firstData: 0,
      columns: [{ ...PROMPT_COLUMN }],
      delimiter: '\n',
      warnings: decoded.warnings,
      noRowsMessage: 'There are no prompts to import: write or paste one prompt per line.',
      formulaWarnings: false
    },
    options
  );
}
