/**
 * The log on disk: electron-log's file transport, one file per door (`main.log` for the app,
 * `cli.log` for the CLI) in a logs folder, rotated by size into `.1.log` … `.N.log`. Writing
 * the log never stops the app: a folder that cannot be written, or a disk that fills, is
 * reported once through `onProblem`, and the app carries on.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, parse } from 'node:path';
import electronLog from 'electron-log/node';
import { createLogger, type Logger, type LogLevel } from './logger';
import { APP_NAME } from '../paths';
import { Redactor } from './redact';

export interface FileLogOptions {
  dir: string;
  /** `main.log`, `cli.log` … */
  fileName: string;
  /** Rotation size of one file (default 5 MB). */
  maxBytes?: number;
  /** Rotated files kept beside the current one (default 3). */
  keep?: number;
  /** Lines below this level are not written (default `info`). */
  level?: LogLevel;
  /** Also hands each line (at `echoLevel` or above) here, e.g. to stderr for `--verbose`. */
  echo?: (level: LogLevel, line: string) => void;
  echoLevel?: LogLevel;
  /** Told once, in words, when the log cannot be written. */
  onProblem?: (message: string) => void;
}

export interface FileLog {
  logger: Logger;
  redactor: Redactor;
  /** The current file. */
  path: string;
  /** Why the log is not being written, when it is not. */
  problem(): string | undefined;
  /** The last `count` lines written, reaching into the rotated files when the current one is short. */
  tail(count: number): string[];
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
let instances = 0;

function errorCode(error: unknown): string {
  const own = (error as { code?: unknown })?.code;
  if (typeof own === 'string') return own;
  return /\b(E[A-Z]{2,})\b/.exec(String((error as Error)?.message ?? error))?.[1] ?? (error instanceof Error ? error.name : 'an error');
}

/** Shifts `main.log` → `main.1.log` → … `main.<keep>.log`, dropping the oldest. */
function rotate(path: string, keep: number): void {
  const { dir, name, ext } = parse(path);
  const numbered = (n: number) => join(dir, `${name}.${n}${ext}`);
  rmSync(numbered(keep), { force: true });
  for (let n = keep - 1; n >= 1; n--) if (existsSync(numbered(n))) renameSync(numbered(n), numbered(n + 1));
  renameSync(path, numbered(1));
}

function lastLines(path: string, count: number): string[] {
  try {
    const lines = readFileSync(path, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-count);
  } catch {
    return [];
  }
}

export function openFileLog(options: FileLogOptions): FileLog {
  const path = join(options.dir, options.fileName);
  const keep = options.keep ?? 3;
  const level = options.level ?? 'info';
  const echoLevel = options.echoLevel ?? 'debug';
  const redactor = new Redactor();
  let problem: string | undefined;
  const report = (message: string): void => {
    if (problem) return;
    problem = message;
    options.onProblem?.(message);
  };

  const log = electronLog.create({ logId: `ltx-${++instances}` });
  log.transports.console.level = false;
  const file = log.transports.file;
  // electron-log looks for a package.json near the working folder to name the app; the path is ours anyway.
  file.setAppName(APP_NAME);
  file.resolvePathFn = () => path;
  file.maxSize = options.maxBytes ?? 5 * 1024 * 1024;
  file.format = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] {text}';
  file.level = level === 'debug' ? 'debug' : level;
  file.archiveLogFn = (current) => {
    try {
      rotate(current.path, keep);
    } catch (error) {
      report(`The log file ${current.path} could not be rotated (${errorCode(error)}); it keeps growing until the next start.`);
    }
  };

  try {
    mkdirSync(options.dir, { recursive: true });
    appendFileSync(path, '');
    // Failed writes come to us, once, instead of to electron-log's console on every line.
    // (electron-log's LogFile is an EventEmitter; its typings name only `on`.)
    const logFile = file.getFile() as unknown as NodeJS.EventEmitter;
    logFile.removeAllListeners('error');
    logFile.on('error', (error: unknown) =>
      report(`The log file ${path} could not be written (${errorCode(error)}); lines are lost until it can be. The app carries on.`)
    );
  } catch (error) {
    file.level = false;
    report(`The log folder ${options.dir} cannot be written (${errorCode(error)}), so this session keeps no log file. The app carries on.`);
  }

  const toFile = (lineLevel: LogLevel): boolean => RANK[lineLevel] <= RANK[level] && file.level !== false;
  const toEcho = (lineLevel: LogLevel): boolean => options.echo !== undefined && RANK[lineLevel] <= RANK[echoLevel];
  const logger = createLogger(
    (lineLevel, line) => {
      if (toFile(lineLevel)) log[lineLevel](line);
      if (toEcho(lineLevel)) options.echo!(lineLevel, line);
    },
    { redact: (text) => redactor.redact(text), accepts: (lineLevel) => toFile(lineLevel) || toEcho(lineLevel) }
  );
  return {
    logger,
    redactor,
    path,
    problem: () => problem,
    tail: (count) => {
      const { dir, name, ext } = parse(path);
      let lines = lastLines(path, count);
      for (let n = 1; n <= keep && lines.length < count; n++) lines = [...lastLines(join(dir, `${name}.${n}${ext}`), count - lines.length), ...lines];
      return lines;
    }
  };
}
