import type { ImageKind } from '@shared/images';

/** A checked local image, ready to be put where APIXO can fetch it. */
export interface ImageToHost {
  path: string;
  /** SHA-256 of the bytes, hex: hosted under this name, so hosting the same image twice is harmless. */
  id: string;
  kind: ImageKind;
  sizeBytes: number;
  /** The file name people know it by, for messages. */
  name: string;
}

/** Somewhere local images can be put so that APIXO can fetch them (it has no upload endpoint). */
export interface ImageHost {
  /** What hosts the images, in words: `S3 bucket "clips"`, `the simulator` … */
  readonly label: string;
  /** Makes the image fetchable and answers the URL APIXO will fetch. Throws `HostingError`. */
  host(image: ImageToHost): Promise<string>;
}

/** Why hosting failed, for programs: transient ones (`unreachable`, `server`) are worth retrying later. */
export type HostingFailure = 'settings' | 'credentials' | 'bucket' | 'refused' | 'unreachable' | 'server' | 'image' | 'too_large';

/** A hosting failure; its message is a sentence for people saying what happened and what to check. */
export class HostingError extends Error {
  override readonly name = 'HostingError';

  constructor(
    message: string,
    readonly reason: HostingFailure
  ) {
    super(message);
  }
}
