/** An image that is not used, with the sentence that tells a person why and what to do. */
export class ImageRefusal extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown }
  ) {
    super(reason, options);
    this.name = 'ImageRefusal';
  }
}

export function isImageRefusal(error: unknown): error is ImageRefusal {
  return error instanceof ImageRefusal;
}
