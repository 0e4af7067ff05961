/**
 * The failMsg a failed task reports for a failCode, in APIXO's words where the docs give them
 * (both the CamelCase and the UPPER_SNAKE generations of codes are known).
 */
const FAIL_MESSAGES: Record<string, string> = {
  SensitiveContent: 'Content violates provider policy, please adjust the prompt',
  SensitiveContentDetected: 'Content violates provider policy, please adjust the prompt',
  InputImageSensitiveContentDetected: 'The input image failed the provider safety check, please use another image',
  InputOutputSensitiveContentDetected: 'The input or output failed the provider safety check, please adjust the prompt or image',
  NSFW: 'NSFW content detected, please adjust the prompt',
  ProhibitedContentDetected: 'Prohibited content detected, please adjust the prompt',
  PromptLengthExceeded: 'The prompt exceeds the maximum length',
  PromptInvalid: 'The prompt was rejected by the provider, please adjust it and retry',
  ImageFormatIncorrect: 'The input image format is not supported, please use JPG, PNG or WebP',
  InvalidImageSize: 'The input image size is not supported',
  ImageNotAccess: 'Failed to download the input image, please use a public URL',
  RateLimited: 'The provider is rate limited, please retry later',
  Timeout: 'The provider timed out while generating the video',
  CONTENT_VIOLATION: 'Content violates provider policy',
  NSFW_DETECTED: 'NSFW content detected',
  PROMPT_TOO_LONG: 'The prompt is too long',
  INVALID_PROMPT: 'The prompt is invalid',
  INVALID_IMAGE_URL: 'The image URL is invalid or not reachable',
  IMAGE_TOO_LARGE: 'The input image is too large',
  UNSUPPORTED_FORMAT: 'The input format is not supported',
  IMAGE_DOWNLOAD_FAILED: 'Failed to download the input image',
  PROCESSING_TIMEOUT: 'Processing timed out',
  MODEL_UNAVAILABLE: 'The model is temporarily unavailable',
  GENERATION_FAILED: 'Video generation failed',
  INSUFFICIENT_CREDITS: 'Insufficient credits',
  INVALID_LORA_URL: 'The LoRA URL is invalid or not reachable'
};

/** What an unknown failCode says. */
export const GENERIC_FAIL_MESSAGE = 'The provider returned an error while generating the video';

export function failMessage(code: string): string {
  return Object.hasOwn(FAIL_MESSAGES, code) ? FAIL_MESSAGES[code] : GENERIC_FAIL_MESSAGE;
}
