/**
 * Keeps credentials out of every line the app writes down. The secrets it knows (the API key,
 * the bucket's secret key) are asked for at each call, so a key saved later is covered too;
 * the patterns catch what no list can: bearer tokens, presigned query strings, inline images.
 */
export type SecretSource = () => Iterable<string | undefined>;

/** Presigned-URL parameters that carry or prove a credential (AWS SigV4 and its look-alikes). */
const SIGNED_PARAM = /(X-Amz-(?:Credential|Signature|Security-Token)|X-Goog-(?:Credential|Signature)|Signature|AWSAccessKeyId|sig)=[^&\s"'<>]+/gi;
/** A link whose query signs it: presigned bucket links, and result links signed `?expires=…&sig=…`. */
const SIGNED_QUERY = /(https?:\/\/[^\s"'<>?#]+)\?([^\s"'<>#]*(?:X-Amz-|X-Goog-|Signature=|AWSAccessKeyId=|(?<=[?&])sig=)[^\s"'<>#]*)/gi;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
const AUTH_HEADER = /\b(authorization|x-api-key|x-amz-security-token)(["']?\s*[:=]\s*["']?)(?:(?:Bearer|Basic|Token)\s+)?[^\s"',}]+/gi;
const INLINE_IMAGE = /(data:[a-z]+\/[a-z0-9.+-]+;base64,)[A-Za-z0-9+/=]{64,}/gi;
/** Secrets shorter than this are not scrubbed by value: "abc" would eat ordinary words. */
const MIN_SECRET_LENGTH = 8;

export class Redactor {
  private readonly sources: SecretSource[] = [];

  /** Adds a source of secrets to scrub by value from now on. */
  keep(source: SecretSource): void {
    this.sources.push(source);
  }

  redact(text: string): string {
    let out = text;
    for (const source of this.sources) {
      for (const secret of source()) {
        if (secret && secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('***');
      }
    }
    return (
      out
        // Punctuation after a link ("…photo.jpg?X-Amz-…: not found") belongs to the sentence.
        .replace(SIGNED_QUERY, (_all, base: string, query: string) => `${base}?(signed query removed)${/[.,:;!?)\]]+$/.exec(query)?.[0] ?? ''}`)
        .replace(SIGNED_PARAM, (_all, name: string) => `${name}=***`)
        .replace(AUTH_HEADER, '$1$2***')
        .replace(BEARER, '$1 ***')
        .replace(INLINE_IMAGE, (all, head: string) => `${head}… (${Math.round(((all.length - head.length) * 3) / 4 / 1024)} KB inline)`)
    );
  }
}
