import { describe, expect, it } from 'vitest';
import { buildRequest } from '@shared/request-builder';
import { validateRequest } from '@shared/validation';

describe('buildRequest: exactly the documented body', () => {
  it('text-to-video: aspect ratio written out (16:9 by default), no seed when random', () => {
    const body = buildRequest({ mode: 'text-to-video', prompt: 'a city', resolution: '1080p', duration: 10 });
    expect(body).toEqual({
      request_type: 'async',
      input: { mode: 'text-to-video', prompt: 'a city', resolution: '1080p', duration: 10, aspect_ratio: '16:9' }
    });
    expect(validateRequest(body)).toEqual([]);
  });

  it('keeps a fixed seed, including -1 typed by the person', () => {
    const draft = { mode: 'text-to-video' as const, prompt: 'a city', resolution: '720p' as const, duration: 5, aspectRatio: '9:16' as const };
    expect(buildRequest({ ...draft, seed: 54248617 }).input).toMatchObject({ seed: 54248617, aspect_ratio: '9:16' });
    expect(buildRequest({ ...draft, seed: -1 }).input).toMatchObject({ seed: -1 });
  });

  it('image-to-video: one image URL and never an aspect ratio', () => {
    const body = buildRequest({
      mode: 'image-to-video',
      prompt: 'push in',
      resolution: '720p',
      duration: 8,
      aspectRatio: '9:16',
      imageUrl: 'https://example.com/source.jpg'
    });
    expect(body.input).toEqual({
      mode: 'image-to-video',
      prompt: 'push in',
      resolution: '720p',
      duration: 8,
      image_urls: ['https://example.com/source.jpg']
    });
  });

  it('LoRA modes carry the LoRAs; base modes never do', () => {
    const loras = [{ path: 'https://hf.example/m.safetensors', scale: 1.2 }];
    const body = buildRequest({ mode: 'image-to-video-LoRA', prompt: 'p', resolution: '720p', duration: 8, imageUrl: 'https://e.com/s.jpg', loras });
    expect(body.input).toEqual({ mode: 'image-to-video-LoRA', prompt: 'p', resolution: '720p', duration: 8, image_urls: ['https://e.com/s.jpg'], loras });
    expect(buildRequest({ mode: 'text-to-video', prompt: 'p', resolution: '720p', duration: 5, loras }).input).not.toHaveProperty('loras');
  });

  it('callback delivery', () => {
    const body = buildRequest({ mode: 'text-to-video', prompt: 'p', resolution: '480p', duration: 5 }, { callbackUrl: 'https://me.example/hook' });
    expect(body).toMatchObject({ request_type: 'callback', callback_url: 'https://me.example/hook' });
  });

  it('an image mode without an image builds a body the validator refuses', () => {
    const body = buildRequest({ mode: 'image-to-video', prompt: 'p', resolution: '720p', duration: 8 });
    expect(validateRequest(body).map((p) => p.field)).toEqual(['image_urls']);
  });
});
