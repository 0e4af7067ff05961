import { createLogger, type Logger, type LogLevel } from '../../src/main/core/log/logger';

/** A real Logger whose lines land in memory, each also handed to `onLine` (a hook for a test's next step). */
export function memoryLog(onLine?: (line: string, level: LogLevel) => void): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger((level, line) => {
    lines.push(line);
    onLine?.(line, level);
  });
  return { log, lines };
}
