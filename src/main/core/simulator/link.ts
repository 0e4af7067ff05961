/**
 * A modelled network link for result downloads (`SimulatorOptions.link`): each connection gets
 * at most `perConnectionBytesPerSecond`, and all of them together at most `totalBytesPerSecond`,
 * as a CDN that caps each stream and a line that caps the sum. Rates are real bytes per second
 * (not multiplied by timeScale: a link's speed is the machine's, not the schedule's).
 */
export interface LinkOptions {
  perConnectionBytesPerSecond?: number;
  totalBytesPerSecond?: number;
}

/** A pacer: after `take(n)`, the bytes sent so far are no more than its rate allows since it began. */
class Pace {
  private nextFree = 0;

  constructor(private readonly bytesPerSecond: number) {}

  /** Reserves `n` bytes; returns how long (ms) to wait before sending them. */
  reserve(n: number, now: number): number {
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + (n * 1000) / this.bytesPerSecond;
    return start - now;
  }
}

const positive = (v: number | undefined): number | undefined => (v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined);

export class Link {
  private readonly total?: Pace;
  private readonly perConnection?: number;

  constructor(options: LinkOptions = {}) {
    const total = positive(options.totalBytesPerSecond);
    if (total) this.total = new Pace(total);
    this.perConnection = positive(options.perConnectionBytesPerSecond);
  }

  get throttled(): boolean {
    return this.total !== undefined || this.perConnection !== undefined;
  }

  /** A pacer for one connection: how long to wait before sending the next `n` bytes. */
  connection(): (n: number) => number {
    const own = this.perConnection ? new Pace(this.perConnection) : undefined;
    return (n) => {
      const now = performance.now();
      return Math.max(own?.reserve(n, now) ?? 0, this.total?.reserve(n, now) ?? 0);
    };
  }
}
