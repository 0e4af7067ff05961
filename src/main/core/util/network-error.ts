/**
 * A failed connection, classified by its error code into words a person can read. Node's own
 * messages change between versions (Node 24 says ERR_SOCKET_CLOSED_BEFORE_CONNECTION where
 * Node 20 said ECONNREFUSED, and a dual-stack connect fails with an AggregateError), so nothing
 * here ever shows one: the code decides, and is shown in brackets for a bug report.
 */
export type NetworkFault =
  /** Nothing listens at that address and port. */
  | 'refused'
  /** The host name does not resolve. */
  | 'name_not_found'
  /** No route to the host, or this computer has no network. */
  | 'unreachable'
  /** No answer in time. */
  | 'timeout'
  /** The connection was cut before or while the answer came. */
  | 'cut_off'
  /** The server's certificate or the TLS handshake failed. */
  | 'tls'
  /** The server answered something that is not HTTP. */
  | 'garbled'
  /** Stopped on purpose (Ctrl-C, quit, a cancelled request). */
  | 'aborted'
  | 'other';

export interface NetworkProblem {
  fault: NetworkFault;
  /** The low-level code, e.g. ECONNREFUSED; undefined when the error had none. */
  code: string | undefined;
  /** Whether the request certainly never reached the server (so a POST may be sent again). */
  notSent: boolean;
  /** A clause for a sentence: "the connection was refused (ECONNREFUSED)". */
  words: string;
}

const FAULT_BY_CODE: Record<string, NetworkFault> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'name_not_found',
  EAI_AGAIN: 'name_not_found',
  EAI_FAIL: 'name_not_found',
  EAI_NONAME: 'name_not_found',
  EAI_NODATA: 'name_not_found',
  ENETUNREACH: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ECONNRESET: 'cut_off',
  ECONNABORTED: 'cut_off',
  EPIPE: 'cut_off',
  ERR_SOCKET_CLOSED: 'cut_off',
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION: 'cut_off',
  ERR_STREAM_PREMATURE_CLOSE: 'cut_off',
  UND_ERR_SOCKET: 'cut_off',
  EPROTO: 'tls',
  ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted'
};

/** Codes that mean the request never left this computer. */
const NOT_SENT: ReadonlySet<NetworkFault> = new Set(['refused', 'name_not_found', 'unreachable']);
const NOT_SENT_CODES = new Set(['ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** got's timeouts that fire before the request is written: name lookup, connect, TLS handshake. */
const NOT_SENT_TIMEOUTS = new Set(['lookup', 'connect', 'secureConnect']);

const WORDS: Record<NetworkFault, string> = {
  refused: 'the connection was refused',
  name_not_found: 'the server’s name could not be found',
  unreachable: 'the network could not reach the server',
  timeout: 'no answer came in time',
  cut_off: 'the connection was cut off',
  tls: 'the secure connection could not be set up',
  garbled: 'the server answered something that is not a web response',
  aborted: 'the request was stopped',
  other: 'the connection failed'
};

const CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|DEPTH_ZERO|HOSTNAME_MISMATCH/;
const TLS_CODE = /SSL|TLS/;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const own = (error as { code?: unknown }).code;
  // got's generic code says only that got wrapped something: the cause may say more.
  if (typeof own === 'string' && own && own !== 'ERR_GOT_REQUEST_ERROR') return own;
  // A dual-stack connect that failed on every address: the first attempt's code.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) for (const inner of errors) if (codeOf(inner)) return codeOf(inner);
  return codeOf((error as { cause?: unknown }).cause);
}

function faultOf(code: string | undefined, name: string): NetworkFault {
  if (name === 'AbortError') return 'aborted';
  if (name === 'TimeoutError') return 'timeout';
  if (!code) return 'other';
  if (FAULT_BY_CODE[code]) return FAULT_BY_CODE[code]!;
  if (code.startsWith('HPE_')) return 'garbled';
  if (CERTIFICATE_CODE.test(code) || TLS_CODE.test(code)) return 'tls';
  return 'other';
}

/** Reads any error a request can end in (got's RequestError and its kinds, Node's own, undici's). */
export function networkProblem(error: unknown): NetworkProblem {
  const name = error instanceof Error ? error.name : '';
  // got wraps Node's error and keeps its code; got's TimeoutError also names the phase.
  const code = codeOf(error);
  const phase = (error as { event?: unknown } | undefined)?.event;
  const fault = faultOf(code, name);
  const notSent =
    NOT_SENT.has(fault) ||
    (code !== undefined && NOT_SENT_CODES.has(code)) ||
    (name === 'TimeoutError' && typeof phase === 'string' && NOT_SENT_TIMEOUTS.has(phase));
  const detail = [code, name === 'TimeoutError' && typeof phase === 'string' ? phase : undefined].filter(Boolean).join(', ');
  const words = fault === 'tls' && code && CERTIFICATE_CODE.test(code) ? 'the server’s security certificate could not be trusted' : WORDS[fault];
  return { fault, code, notSent, words: detail ? `${words} (${detail})` : words };
}
