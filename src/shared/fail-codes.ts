/**
 * Task failure codes (an open set: both documented spellings, and anything new) mapped to what a
 * person should do, and whether trying the same request again can help.
 */
export type FailureKind = 'content' | 'prompt' | 'image' | 'transient' | 'account' | 'lora' | 'unknown';

interface FailureInfo {
  kind: FailureKind;
  guidance: string;
}

const CONTENT: FailureInfo = { kind: 'content', guidance: 'The prompt, image or result failed the safety check: change the prompt or the image.' };
const PROMPT: FailureInfo = { kind: 'prompt', guidance: 'The prompt was rejected: adjust it and try again.' };
const IMAGE: FailureInfo = { kind: 'image', guidance: 'The source image could not be used: give a public, direct link to a JPG, PNG or WebP under 10 MB.' };
const TRANSIENT: FailureInfo = { kind: 'transient', guidance: 'A temporary problem at the provider: trying again usually works.' };

const BY_CODE: Record<string, FailureInfo> = {
  SensitiveContent: CONTENT,
  SensitiveContentDetected: CONTENT,
  InputImageSensitiveContentDetected: CONTENT,
  InputOutputSensitiveContentDetected: CONTENT,
  NSFW: CONTENT,
  NSFW_DETECTED: CONTENT,
  ProhibitedContentDetected: CONTENT,
  CONTENT_VIOLATION: CONTENT,
  PromptInvalid: PROMPT,
  INVALID_PROMPT: PROMPT,
  PromptLengthExceeded: { kind: 'prompt', guidance: 'The prompt is too long for the provider: shorten it.' },
  PROMPT_TOO_LONG: { kind: 'prompt', guidance: 'The prompt is too long for the provider: shorten it.' },
  ImageFormatIncorrect: IMAGE,
  InvalidImageSize: IMAGE,
  UNSUPPORTED_FORMAT: IMAGE,
  IMAGE_TOO_LARGE: { kind: 'image', guidance: 'The source image is too large: use one under 10 MB.' },
  ImageNotAccess: { kind: 'image', guidance: 'APIXO could not fetch the source image: use a public http(s) link that answers 200.' },
  INVALID_IMAGE_URL: { kind: 'image', guidance: 'APIXO could not use the image link: use a public http(s) link to the image file.' },
  IMAGE_DOWNLOAD_FAILED: { kind: 'image', guidance: 'APIXO could not download the source image: check that its link is public.' },
  INVALID_LORA_URL: { kind: 'lora', guidance: 'A LoRA link could not be used: give a public download link (Hugging Face, Civitai).' },
  INSUFFICIENT_CREDITS: { kind: 'account', guidance: 'The account ran out of balance: add balance, then retry.' },
  RateLimited: TRANSIENT,
  Timeout: TRANSIENT,
  PROCESSING_TIMEOUT: TRANSIENT,
  MODEL_UNAVAILABLE: TRANSIENT,
  GENERATION_FAILED: { kind: 'transient', guidance: 'The generation failed at the provider: trying again usually works.' }
};

export function describeFailure(failCode: string): FailureInfo {
  return BY_CODE[failCode] ?? { kind: 'unknown', guidance: 'The provider gave no known reason: retry, or contact APIXO support with the task ID.' };
}

/**
 * Failures that the same request may not hit again: retried automatically up to a limit
 * (architecture.md, "Triage"). Codes this app does not know count as transient; safety refusals,
 * bad prompts, images and LoRAs, and the account's balance never do.
 */
export function isTransientFailure(failCode: string): boolean {
  const { kind } = describeFailure(failCode);
  return kind === 'transient' || kind === 'unknown';
}
