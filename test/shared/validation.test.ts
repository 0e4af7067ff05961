import { describe, expect, it } from 'vitest';
import { validateInput, validateRequest, type Problem } from '@shared/validation';

const text = { mode: 'text-to-video', prompt: 'a robot in the rain', resolution: '720p', duration: 10 };
const image = { mode: 'image-to-video', prompt: 'slow push in', resolution: '720p', duration: 8, image_urls: ['https://example.com/a.jpg'] };
const lora = { path: 'https://huggingface.co/u/m.safetensors?download=true', scale: 1.2 };

function codes(input: unknown): string[] {
  return validateInput(input).map((p: Problem) => `${p.field}:${p.code}`);
}

describe('validateInput: each rule of the model page at its boundaries', () => {
  it('accepts the documented examples', () => {
    expect(validateInput({ ...text, aspect_ratio: '16:9', seed: 54248617 })).toEqual([]);
    expect(validateInput(image)).toEqual([]);
    expect(validateInput({ ...image, mode: 'image-to-video-LoRA', loras: [lora] })).toEqual([]);
    expect(validateInput({ ...text, mode: 'text-to-video-LoRA', loras: [lora] })).toEqual([]);
  });

  it('mode is required and one of the four', () => {
    expect(codes({ ...text, mode: undefined })).toContain('mode:required');
    expect(codes({ ...text, mode: 'video-to-video' })).toEqual(['mode:invalid_choice']);
    expect(codes({ ...text, mode: 'Text-To-Video' })).toEqual(['mode:invalid_choice']);
  });

  it('prompt: 1 to 5000 characters, not blank', () => {
    expect(codes({ ...text, prompt: 'x' })).toEqual([]);
    expect(codes({ ...text, prompt: 'x'.repeat(5000) })).toEqual([]);
    expect(codes({ ...text, prompt: 'x'.repeat(5001) })).toEqual(['prompt:too_long']);
    expect(codes({ ...text, prompt: '' })).toEqual(['prompt:empty']);
    expect(codes({ ...text, prompt: ' \n\t ' })).toEqual(['prompt:empty']);
    expect(codes({ ...text, prompt: undefined })).toEqual(['prompt:required']);
    expect(codes({ ...text, prompt: 42 })).toEqual(['prompt:wrong_type']);
    // Characters, not UTF-16 units: 5000 emoji are 5000 characters.
    expect(codes({ ...text, prompt: '🎬'.repeat(5000) })).toEqual([]);
  });

  it('says by how much a prompt is too long', () => {
    const [problem] = validateInput({ ...text, prompt: 'x'.repeat(5012) });
    expect(problem.message).toBe('The prompt is 5012 characters long; the limit is 5000. Shorten it by 12.');
  });

  it('resolution: 480p, 720p or 1080p', () => {
    for (const r of ['480p', '720p', '1080p']) expect(codes({ ...text, resolution: r })).toEqual([]);
    expect(codes({ ...text, resolution: '720' })).toEqual(['resolution:invalid_choice']);
    expect(codes({ ...text, resolution: '4k' })).toEqual(['resolution:invalid_choice']);
    expect(codes({ ...text, resolution: undefined })).toEqual(['resolution:required']);
  });

  it('duration: a JSON integer from 5 through 20; quoted strings are invalid', () => {
    for (const d of [5, 20]) expect(codes({ ...text, duration: d })).toEqual([]);
    expect(codes({ ...text, duration: 4 })).toEqual(['duration:out_of_range']);
    expect(codes({ ...text, duration: 21 })).toEqual(['duration:out_of_range']);
    expect(codes({ ...text, duration: 7.5 })).toEqual(['duration:not_integer']);
    expect(codes({ ...text, duration: '10' })).toEqual(['duration:not_integer']);
    expect(codes({ ...text, duration: undefined })).toEqual(['duration:required']);
    expect(validateInput({ ...text, duration: '7.5' })[0].message).toBe('The duration must be a whole number of seconds from 5 to 20 (got "7.5").');
  });

  it('image_urls: exactly one string URL in image modes, absent otherwise', () => {
    expect(codes({ ...image, image_urls: undefined })).toEqual(['image_urls:required']);
    expect(codes({ ...image, image_urls: [] })).toEqual(['image_urls:wrong_count']);
    expect(codes({ ...image, image_urls: ['https://a/1.jpg', 'https://a/2.jpg'] })).toEqual(['image_urls:wrong_count']);
    expect(codes({ ...image, image_urls: 'https://a/1.jpg' })).toEqual(['image_urls:wrong_count']);
    expect(codes({ ...image, image_urls: [42] })).toEqual(['image_urls:invalid_url']);
    expect(codes({ ...image, image_urls: ['photos/cat.jpg'] })).toEqual(['image_urls:invalid_url']);
    expect(codes({ ...image, image_urls: ['ftp://a/1.jpg'] })).toEqual(['image_urls:invalid_url']);
    expect(codes({ ...image, image_urls: ['http://a.example/1.jpg'] })).toEqual([]);
    expect(codes({ ...image, image_urls: [' https://a.example/1.jpg'] })).toEqual(['image_urls:invalid_url']);
    expect(codes({ ...text, image_urls: ['https://a/1.jpg'] })).toEqual(['image_urls:not_allowed']);
  });

  it('aspect_ratio: 16:9 or 9:16, only in text modes', () => {
    expect(codes({ ...text, aspect_ratio: '9:16' })).toEqual([]);
    expect(codes({ ...text, aspect_ratio: '1:1' })).toEqual(['aspect_ratio:invalid_choice']);
    expect(codes({ ...text, aspect_ratio: '16x9' })).toEqual(['aspect_ratio:invalid_choice']);
    expect(codes({ ...image, aspect_ratio: '16:9' })).toEqual(['aspect_ratio:not_allowed']);
  });

  it('seed: -1, or 1 through 2147483647', () => {
    for (const s of [-1, 1, 2147483647]) expect(codes({ ...text, seed: s })).toEqual([]);
    expect(codes({ ...text, seed: 0 })).toEqual(['seed:out_of_range']);
    expect(codes({ ...text, seed: -2 })).toEqual(['seed:out_of_range']);
    expect(codes({ ...text, seed: 2147483648 })).toEqual(['seed:out_of_range']);
    expect(codes({ ...text, seed: 1.5 })).toEqual(['seed:not_integer']);
    expect(codes({ ...text, seed: '42' })).toEqual(['seed:not_integer']);
  });

  it('loras: at most 3, each with a non-empty path and a numeric scale from 0.0 to 4.0', () => {
    const t = { ...text, mode: 'text-to-video-LoRA' };
    expect(codes({ ...t, loras: [lora, lora, lora] })).toEqual([]);
    expect(codes({ ...t, loras: [lora, lora, lora, lora] })).toEqual(['loras:too_many']);
    expect(
      codes({
        ...t,
        loras: [
          { ...lora, scale: 0 },
          { ...lora, scale: 4 }
        ]
      })
    ).toEqual([]);
    expect(codes({ ...t, loras: [{ ...lora, scale: -0.1 }] })).toEqual(['loras[0].scale:out_of_range']);
    expect(codes({ ...t, loras: [lora, { ...lora, scale: 4.01 }] })).toEqual(['loras[1].scale:out_of_range']);
    expect(codes({ ...t, loras: [{ ...lora, scale: '1.0' }] })).toEqual(['loras[0].scale:wrong_type']);
    expect(codes({ ...t, loras: [{ path: 'x' }] })).toEqual(['loras[0].scale:required']);
    expect(codes({ ...t, loras: [{ path: '', scale: 1 }] })).toEqual(['loras[0].path:empty']);
    expect(codes({ ...t, loras: [{ scale: 1 }] })).toEqual(['loras[0].path:required']);
    expect(codes({ ...t, loras: 'x' })).toEqual(['loras:wrong_type']);
    expect(codes({ ...t, loras: undefined })).toEqual(['loras:required']);
    expect(codes({ ...text, loras: [lora] })).toEqual(['loras:not_allowed']);
  });

  it('returns every problem at once, each with a sentence', () => {
    const problems = validateInput({ mode: 'image-to-video', prompt: '', resolution: '4k', duration: 30, aspect_ratio: '1:1', seed: 0 });
    expect(problems.map((p) => p.field)).toEqual(['prompt', 'resolution', 'duration', 'image_urls', 'aspect_ratio', 'seed']);
    for (const p of problems) expect(p.message).toMatch(/^[A-Z].*\.$/);
  });

  it('refuses something that is not an input object', () => {
    expect(codes(null)).toEqual(['input:required']);
    expect(codes([text])).toEqual(['input:required']);
  });
});

describe('validateRequest', () => {
  it('checks the delivery fields as well as the input', () => {
    expect(validateRequest({ request_type: 'async', input: text })).toEqual([]);
    expect(validateRequest({ request_type: 'sync', input: text }).map((p) => p.field)).toEqual(['request_type']);
    expect(validateRequest({ input: text })).toEqual([]);
    expect(validateRequest({ request_type: 'callback', input: text }).map((p) => p.field)).toEqual(['callback_url']);
    expect(validateRequest({ request_type: 'callback', callback_url: 'https://me.example/hook', input: text })).toEqual([]);
    expect(validateRequest('{}').map((p) => p.field)).toEqual(['body']);
  });
});
