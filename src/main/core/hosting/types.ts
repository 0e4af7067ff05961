import { IMAGE_EXT, type ImageKind } from '@shared/images';
import type { ImageRef } from '@shared/request';

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
  /**
   * Where an image `host()` put lives, with nothing secret in it: what the journal keeps instead
   * of the link. Undefined when the link itself holds no credential and never goes stale (`data:`).
   */
  reference(image: ImageToHost): ImageRef | undefined;
  /** The reference behind a link this host answered (a journal from before references kept the link), else undefined. */
  referenceOf(url: string): ImageRef | undefined;
  /**
   * A fresh link to an image hosted before, for the submit that needs it now. Throws a
   * `HostingError` (reason `settings`) saying why when this host cannot give one for `ref`.
   */
  relink(ref: ImageRef, image: ImageToHost | undefined): Promise<string>;
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

/** The content hash and cache name in the last part of a content-addressed path (`…/<sha256>.<ext>`), else undefined. */
export function contentName(path: string): { sha256: string; copy: string } | undefined {
  const last = path.slice(path.lastIndexOf('/') + 1);
  const exts = Object.values(IMAGE_EXT).join('|');
  const match = new RegExp(`^([0-9a-f]{64})\\.(${exts})$`).exec(last);
  return match ? { sha256: match[1], copy: last } : undefined;
}
