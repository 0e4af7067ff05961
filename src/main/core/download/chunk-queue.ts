import type { Readable } from 'node:stream';

/** Bytes held before the source is paused, and the level at which it resumes. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/**
 * Collects a readable's chunks from the moment it is attached, so that bytes that arrived before
 * an error (a reset right after a burst) are still handed out, and only then the error. The
 * source is paused while more than 1 MB waits to be taken (so that 32 downloads at once hold
 * about 32 MB: pool-controller.ts).
 */
export class ChunkQueue {
  private readonly chunks: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private error: unknown;
  private failed = false;
  private wake?: () => void;

  constructor(
    private readonly source: Readable,
    /** Called for every chunk as it arrives. */
    onData: () => void = () => undefined
  ) {
    source.on('data', (chunk: Buffer) => {
      onData();
      this.chunks.push(chunk);
      this.queued += chunk.length;
      if (this.queued > HIGH_WATER) source.pause();
      this.notify();
    });
    source.on('end', () => {
      this.ended = true;
      this.notify();
    });
    source.on('error', (error: unknown) => {
      this.failed = true;
      this.error = error;
      this.notify();
    });
    source.on('close', () => {
      if (!this.ended && !this.failed) {
        this.failed = true;
        this.error = new Error('the connection closed before the body ended');
      }
      this.notify();
    });
  }

  /** The next chunk; undefined at the end; throws the source's error once the chunks before it are taken. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        this.queued -= chunk.length;
        if (this.source.isPaused() && this.queued < LOW_WATER) this.source.resume();
        return chunk;
      }
      if (this.failed) throw this.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
