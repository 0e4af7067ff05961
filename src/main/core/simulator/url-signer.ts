import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signs result URLs the way object storage does: `?expires=<ms>&sig=<hmac>`, where the HMAC
 * covers the task ID and the expiry, so neither can be changed without the signature failing.
 * The secret is new for every simulator, unless its state folder keeps one (state.ts): then a
 * URL signed before a restart is still valid after it.
 */
export class UrlSigner {
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  /** The secret, as hex, for the state folder. */
  get secretHex(): string {
    return this.secret.toString('hex');
  }

  sign(taskId: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${taskId}\n${expires}`).digest('hex');
  }

  verify(taskId: string, expires: string | null, sig: string | null): boolean {
    if (expires === null || sig === null || !/^\d{1,16}$/.test(expires) || !/^[0-9a-f]{64}$/.test(sig)) return false;
    const wanted = Buffer.from(this.sign(taskId, Number(expires)), 'hex');
    return timingSafeEqual(wanted, Buffer.from(sig, 'hex'));
  }
}
