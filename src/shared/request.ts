import type { AspectRatio, Mode, Resolution } from './model';

/** One LoRA item exactly as the API takes it. */
export interface LoraItem {
  path: string;
  scale: number;
}

interface InputBase {
  prompt: string;
  resolution: Resolution;
  duration: number;
  seed?: number;
}

export interface TextToVideoInput extends InputBase {
  mode: 'text-to-video';
  aspect_ratio?: AspectRatio;
}

export interface ImageToVideoInput extends InputBase {
  mode: 'image-to-video';
  image_urls: [string];
}

export interface TextToVideoLoraInput extends InputBase {
  mode: 'text-to-video-LoRA';
  aspect_ratio?: AspectRatio;
  loras: LoraItem[];
}

export interface ImageToVideoLoraInput extends InputBase {
  mode: 'image-to-video-LoRA';
  image_urls: [string];
  loras: LoraItem[];
}

/** The `input` object of a generateTask body, one shape per mode. */
export type GenerationInput = TextToVideoInput | ImageToVideoInput | TextToVideoLoraInput | ImageToVideoLoraInput;

export type RequestType = 'async' | 'callback';

/** The whole body of `POST /generateTask/ltx-2-19b`. */
export interface GenerateRequest {
  request_type: RequestType;
  callback_url?: string;
  input: GenerationInput;
}

/**
 * What a person asked for, before it becomes a request body: the importer, the UI and the CLI
 * all produce drafts; `buildRequest` turns one into the exact documented body.
 */
export interface TaskDraft {
  mode: Mode;
  prompt: string;
  resolution: Resolution;
  duration: number;
  /** Text modes only; the API's default (16:9) is written out when absent. */
  aspectRatio?: AspectRatio;
  /** Absent means random: the field is then left out of the body. */
  seed?: number;
  /** Image modes only: the one source image, as a URL the API can fetch. */
  imageUrl?: string;
  /** Image modes only: where the app hosted that image, when it did (`imageUrl` is then its unsigned form). */
  imageRef?: ImageRef;
  /** LoRA modes only. */
  loras?: LoraItem[];
}

/** Every response shares this envelope; `code` mirrors the HTTP status. */
export interface ApiEnvelope<T> {
  code: number;
  message: string;
  data?: T;
}

export type ApiTaskState = 'pending' | 'processing' | 'success' | 'failed';

/** `data` of `GET /statusTask/ltx-2-19b` (and of a webhook callback). */
export interface ApiTaskStatus {
  taskId: string;
  /** An open string: a state the contract does not name is reported, never guessed. */
  state: ApiTaskState | (string & {});
  resultJson?: string;
  failCode?: string;
  failMsg?: string;
  createTime?: number;
  completeTime?: number;
  costTime?: number;
}

/**
 * Where the app put a local source image so that APIXO can fetch it, without anything secret:
 * the journal, the window and every file people share keep this (and the link's unsigned form),
 * never a signed link. The link is signed again from it when the task is submitted.
 */
export interface ImageRef {
  /** `s3`: a bucket (endpoint, bucket, key); `simulator`: the built-in simulator's upload. */
  host: 's3' | 'simulator';
  /** SHA-256 of the image's bytes, hex. */
  sha256: string;
  /** The local copy's file name in the app's image cache (`<sha256>.<ext>`). */
  copy: string;
  /** `s3` only: the endpoint as set in Settings → Image hosting, without a trailing slash. */
  endpoint?: string;
  bucket?: string;
  /** The object's key (not encoded). */
  key?: string;
}
