/**
 * The limit on tasks in flight: the person's number, lowered multiplicatively when the server
 * answers 429 to a submit and grown back additively, but only while the lowered limit is really
 * in use (an idle queue learns nothing about the server's limit).
 */
/** Accepted submits, in multiples of the limit, per slot of additive increase. */
const INCREASE_WINDOW = 4;

export class ConcurrencyLimiter {
  private userLimit: number;
  private effective: number;
  private lastDecreaseAt = -Infinity;

  /** `cooldownMs`: one decrease per this long, so a burst of 429s from one wave halves once. */
  constructor(
    limit: number,
    private readonly cooldownMs: number
  ) {
    this.userLimit = limit;
    this.effective = limit;
  }

  get limit(): number {
    return this.userLimit;
  }

  /** Slots usable now. */
  get slots(): number {
    return Math.max(1, Math.floor(this.effective));
  }

  setLimit(limit: number): void {
    this.userLimit = limit;
    this.effective = limit;
  }

  /**
   * A submit was refused with 429 while `accepted` tasks were running at the server. The limit
   * halves, but never below what the server demonstrably holds: that many it did accept.
   */
  onRateLimited(now: number, accepted: number): void {
    if (now - this.lastDecreaseAt < this.cooldownMs) return;
    this.lastDecreaseAt = now;
    const halved = Math.floor(this.effective / 2);
    this.effective = Math.max(1, Math.min(this.effective, Math.max(halved, accepted)));
  }

  /** A submit was accepted while `inFlight` tasks (this one included) were in the air. */
  onAccepted(inFlight: number): void {
    if (this.effective >= this.userLimit || inFlight < this.slots) return;
    // +1 slot per INCREASE_WINDOW × `slots` accepted submits: a slow additive increase, so that
    // probing for more room costs few 429s.
    this.effective = Math.min(this.userLimit, this.effective + 1 / (INCREASE_WINDOW * this.slots));
  }
}
