/**
 * The app's log: one line per event, with the context that finds it again (batch, task, row,
 * taskId …). Services take a `Logger` and never know where lines go; `file-log.ts` writes them
 * to rotating files, and tests read those files back.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Context for a line; `error` is formatted with its code and stack. */
export interface LogFields {
  batch?: string;
  task?: string;
  row?: number;
  taskId?: string;
  error?: unknown;
  [key: string]: unknown;
}

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** The same log, with a scope name (`engine`, `library` …) and fields on every line. */
  child(scope: string, fields?: LogFields): Logger;
}

/** Where formatted lines go: one call per line, already redacted. */
export type LogSink = (level: LogLevel, line: string) => void;

/** Fields as `key=value`, quoted when needed, in the order given; undefined ones left out. */
export function formatFields(fields: LogFields | undefined): string {
  if (!fields) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key === 'error') continue;
    const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
    parts.push(`${key}=${/^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text)}`);
  }
  return parts.join(' ');
}

function formatError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const head = `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  const stack = error.stack?.split('\n').slice(1).join('\n');
  return stack ? `${head}\n${stack}` : head;
}

export interface LoggerOptions {
  redact?: (text: string) => string;
  /** Whether lines of a level go anywhere: the others are not even formatted (debug lines on a hot path). */
  accepts?: (level: LogLevel) => boolean;
}

export function createLogger(sink: LogSink, options: LoggerOptions = {}, scope?: string, base?: LogFields): Logger {
  const { redact = (t: string) => t, accepts = () => true } = options;
  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (!accepts(level)) return;
    const all = base || fields ? { ...base, ...fields } : undefined;
    const context = formatFields(all);
    const error = all?.error === undefined ? '' : `\n${formatError(all.error)}`;
    sink(level, redact(`${scope ? `(${scope}) ` : ''}${message}${context ? ` ${context}` : ''}${error}`));
  };
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
    child: (name, fields) => createLogger(sink, options, scope ? `${scope}/${name}` : name, { ...base, ...fields })
  };
}

/** A log that writes nothing: the default for services used without one. */
export const silentLog: Logger = createLogger(() => undefined, { accepts: () => false });
