import { join } from 'node:path';
import { openFileLog, type FileLog } from '../core/log/file-log';
import type { Logger } from '../core/log/logger';
import { defaultDataDir } from '../core/paths';
import { HOSTING_SECRET_ENV } from './cli-hosting';
import type { Output } from './output';

/** The CLI's log: always `<data folder>/logs/cli.log`; with `--verbose`, every line on stderr too. */
export interface CliLog {
  /** The log of a data folder, opened on first use; without one, the folder opened last (or the default). */
  open(dataDir?: string): Logger;
}

export function cliLog(io: Output, verbose: boolean, command: string): CliLog {
  const opened = new Map<string, Logger>();
  return {
    open(dataDir = [...opened.keys()].at(-1) ?? defaultDataDir()) {
      const known = opened.get(dataDir);
      if (known) return known;
      const file: FileLog = openFileLog({
        dir: join(dataDir, 'logs'),
        fileName: 'cli.log',
        echo: verbose ? (_level, line) => io.err(line) : undefined,
        onProblem: (message) => io.err(`Note: ${message}`)
      });
      file.redactor.keep(() => [process.env.APIXO_API_KEY?.trim(), process.env[HOSTING_SECRET_ENV]?.trim()]);
      const logger = file.logger.child(command);
      opened.set(dataDir, logger);
      return logger;
    }
  };
}
