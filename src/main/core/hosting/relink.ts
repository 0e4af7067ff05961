/**
 * Image links signed again at the moment they are needed (architecture.md, "Security"): the
 * journal keeps a task's image reference and the link's unsigned form, and each submit (a first
 * one, a retry, a resubmit after a restart) gets a fresh link from the reference and the hosting
 * set up now. A reference that cannot be signed any more says why, and nothing is submitted.
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { TaskRecord } from '@shared/batch';
import { isSignedUrl, unsignedUrl, type SignedRequest } from '@shared/image-link';
import type { ImageKind } from '@shared/images';
import type { GenerateRequest, ImageRef } from '@shared/request';
import { placeWords } from './place-words';
import { HostingError, type ImageHost, type ImageToHost } from './types';

/** Gives the request to POST for a task: its image link signed afresh, or why that cannot be done. Never throws. */
export type RequestSigner = (task: TaskRecord) => Promise<SignedRequest>;

export interface SignerContext {
  /** The image host in use now, or undefined when none is set up. */
  host: () => ImageHost | undefined | Promise<ImageHost | undefined>;
  /** When none is: the sentence saying what to set up (the hosting status's message). */
  notReady?: () => string | Promise<string>;
}

const NOT_SENT = 'It was not submitted, so nothing was charged: retry it once that is fixed.';

const KIND_BY_EXT: Readonly<Record<string, ImageKind>> = { '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png', '.webp': 'webp' };

/** The reference a new task keeps, and its link's unsigned form, for a link `host` just answered (undefined for links it did not make). */
export function imageReference(host: ImageHost | undefined, url: string): { ref: ImageRef; url: string } | undefined {
  const ref = host?.referenceOf(url);
  return ref && { ref, url: unsignedUrl(url) };
}

export function requestSigner(ctx: SignerContext): RequestSigner {
  return async (task) => {
    try {
      return await sign(task, ctx);
    } catch (error) {
      return { ok: false, message: `Its image link could not be made ready (${(error as Error).message}). ${NOT_SENT}` };
    }
  };
}

async function sign(task: TaskRecord, ctx: SignerContext): Promise<SignedRequest> {
  const input = task.request.input;
  if (!('image_urls' in input)) return { ok: true, request: task.request };
  const url = input.image_urls[0];
  if (/^data:/i.test(url)) return { ok: true, request: task.request };
  let ref = task.image;
  // A journal from before references kept the signed link itself: the host that made it knows it again.
  if (!ref && (task.imagePath !== undefined || isSignedUrl(url))) ref = (await ctx.host())?.referenceOf(url);
  // A web image's own address (or a link no host of ours made) is sent as it is.
  if (!ref) return { ok: true, request: task.request };
  const host = await ctx.host();
  if (!host) {
    const why = (await ctx.notReady?.()) ?? 'Set up image hosting in Settings → Image hosting.';
    return { ok: false, message: `${placeWords(ref)}, but image hosting is not set up now, so its link cannot be signed again. ${why} ${NOT_SENT}` };
  }
  try {
    const fresh = await host.relink(ref, await localCopy(task, ref));
    return { ok: true, request: withImageUrl(task.request, fresh) };
  } catch (error) {
    if (error instanceof HostingError) return { ok: false, message: `${error.message} ${NOT_SENT}` };
    throw error;
  }
}

/** The task's cached copy of its image, when it is still there. */
async function localCopy(task: TaskRecord, ref: ImageRef): Promise<ImageToHost | undefined> {
  if (!task.imagePath) return undefined;
  const kind = KIND_BY_EXT[extname(task.imagePath).toLowerCase()];
  const info = await stat(task.imagePath).catch(() => undefined);
  if (!kind || !info?.isFile()) return undefined;
  return { path: task.imagePath, id: ref.sha256, kind, sizeBytes: info.size, name: task.source.name ?? ref.copy };
}

function withImageUrl(request: GenerateRequest, url: string): GenerateRequest {
  return { ...request, input: { ...request.input, image_urls: [url] } } as GenerateRequest;
}
