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
