import { networkProblem } from '../util/network-error';
import { HostingError } from './types';

const WHERE = 'Settings → Image hosting';

/** What an S3 failure message needs to name. */
export interface S3Context {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  region: string;
  pathStyle: boolean;
  /** The host the request went to (the bucket's own name with virtual-hosted addresses). */
  host: string;
}

/** The `<Code>` and `<Message>` of an S3 XML error body, when there is one. */
export function readS3Error(body: string): { code?: string; message?: string } {
  const code = /<Code>([^<]{1,200})<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]{1,500})<\/Message>/.exec(body)?.[1];
  return { code, message };
}

/** An S3 error answer as a sentence: what happened, and what to check. `doing` is "while uploading" … */
export function s3Failure(status: number, body: string, ctx: S3Context, doing: string): HostingError {
  const { code, message = '' } = readS3Error(body);
  const key = JSON.stringify(ctx.accessKeyId);
  const bucket = JSON.stringify(ctx.bucket);
  switch (code) {
    case 'SignatureDoesNotMatch':
      return new HostingError(
        `The bucket refused the secret access key: the request signature does not match. In ${WHERE}, enter the secret access key that belongs to access key ID ${key} again.`,
        'credentials'
      );
    case 'InvalidAccessKeyId':
      return new HostingError(
        `The storage service does not know access key ID ${key}. In ${WHERE}, check the access key ID, and that the endpoint is the service the key was made for.`,
        'credentials'
      );
    case 'NoSuchBucket':
      return new HostingError(
        `There is no bucket ${bucket} at ${ctx.endpoint}. In ${WHERE}, check the bucket name and the endpoint, or create the bucket.`,
        'bucket'
      );
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return wrongRegion(ctx);
    case 'AuthorizationQueryParametersError':
      if (/region/i.test(message)) return wrongRegion(ctx);
      break;
    case 'RequestTimeTooSkewed':
      return clockOff();
    case 'AccessDenied':
      if (/expired/i.test(message)) return clockOff();
      return new HostingError(
        `The bucket refused access key ID ${key} ${doing} (access denied). In ${WHERE}, check that this key may read and write bucket ${bucket}.`,
        'refused'
      );
    case 'EntityTooLarge':
      return new HostingError(`The bucket refused the image as too large ${doing}. Use an image under 10 MB.`, 'too_large');
  }
  if (status >= 500) {
    return new HostingError(
      `The storage service at ${ctx.endpoint} answered HTTP ${status}${code ? ` (${code})` : ''} ${doing}. It may be busy or down: try again in a few minutes.`,
      'server'
    );
  }
  if (status === 301 || status === 307) return wrongRegion(ctx);
  if (status === 403 && code === undefined) {
    return new HostingError(
      `The bucket refused the request ${doing} (HTTP 403). In ${WHERE}, check the access key ID, the secret access key and the region.`,
      'credentials'
    );
  }
  if (status === 404 && code === undefined) {
    return new HostingError(
      `Nothing answered as bucket ${bucket} at ${ctx.endpoint} (HTTP 404). In ${WHERE}, check the endpoint, the bucket name and the path-style setting.`,
      'bucket'
    );
  }
  const said = code ? ` (${code}${message ? `: ${message}` : ''})` : '';
  return new HostingError(`The bucket answered HTTP ${status}${said} ${doing}. Check the bucket settings in ${WHERE}.`, 'refused');
}

function wrongRegion(ctx: S3Context): HostingError {
  return new HostingError(
    `Bucket ${JSON.stringify(ctx.bucket)} is not reachable in region ${JSON.stringify(ctx.region)} at ${ctx.endpoint}. In ${WHERE}, set the region (and endpoint) the bucket was created in.`,
    'bucket'
  );
}

function clockOff(): HostingError {
  return new HostingError(
    "The bucket refused the request because this computer's clock is off. Set the date and time to update automatically in your system settings, then try again.",
    'refused'
  );
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/** A request that got no answer, as a sentence naming the endpoint and what to check. */
export function networkFailure(error: unknown, ctx: S3Context): HostingError {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const name = error instanceof Error ? error.name : '';
  if (code === 'ECONNREFUSED') {
    return new HostingError(
      `Could not connect to the storage endpoint ${ctx.endpoint}: the connection was refused. In ${WHERE}, check the endpoint's address and port, and that the storage service is running.`,
      'unreachable'
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const hint = ctx.pathStyle ? '' : ' (or turn on path-style addresses)';
    return new HostingError(
      `Could not find the storage server ${ctx.host}: the name does not resolve. Check the endpoint in ${WHERE}${hint}, and your internet connection.`,
      'unreachable'
    );
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new HostingError(
      `The storage endpoint ${ctx.endpoint} did not answer in time. Check your internet connection and the endpoint in ${WHERE}, then try again.`,
      'unreachable'
    );
  }
  if (TLS_CODES.test(code)) {
    return new HostingError(
      `The storage server ${ctx.host} presented a certificate that cannot be trusted (${code}). Check the endpoint in ${WHERE}; a bucket name with dots needs path-style addresses.`,
      'unreachable'
    );
  }
  return new HostingError(
    `Could not reach the storage endpoint ${ctx.endpoint}: ${networkProblem(error).words}. Check the endpoint in ${WHERE} and your internet connection.`,
    'unreachable'
  );
}
