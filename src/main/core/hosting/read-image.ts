import { readFile } from 'node:fs/promises';
import { HostingError, type ImageToHost } from './types';

/** The image's bytes, or a `HostingError` saying the file is gone or unreadable. */
export async function readImage(image: ImageToHost): Promise<Buffer> {
  try {
    return await readFile(image.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new HostingError(
      `The image ${JSON.stringify(image.name)} could not be read from ${image.path} (${code}). Check that the file is still there, or add it again.`,
      'image'
    );
  }
}
