import type { ImageKind } from '@shared/images';
import { SETTINGS_LIMITS, type S3Hosting } from '@shared/settings';
import { IMAGE_EXT } from './image-kinds';
import { HostingError } from './types';

const WHERE = 'Settings → Image hosting';

/** The bucket settings still empty, in the words the Settings page uses. */
export function missingS3Fields(config: S3Hosting, secretSet: boolean): string[] {
  const missing: string[] = [];
  if (config.endpoint.trim() === '') missing.push('endpoint');
  if (config.region.trim() === '') missing.push('region');
  if (config.bucket.trim() === '') missing.push('bucket');
  if (config.accessKeyId.trim() === '') missing.push('access key ID');
  if (!secretSet) missing.push('secret access key');
  return missing;
}

/** What is wrong with a filled-in bucket setting, as a sentence; undefined when it is usable. */
export function s3ConfigProblem(config: S3Hosting): string | undefined {
  const endpoint = config.endpoint.trim();
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.username !== '') {
    return `The endpoint ${JSON.stringify(endpoint)} is not a web address. In ${WHERE}, give it as https://… (for example https://s3.eu-west-1.amazonaws.com).`;
  }
  const hours = config.urlHours;
  if (!Number.isInteger(hours) || hours < SETTINGS_LIMITS.urlHoursMin || hours > SETTINGS_LIMITS.urlHoursMax) {
    return `Links must stay valid for a whole number of hours from ${SETTINGS_LIMITS.urlHoursMin} to ${SETTINGS_LIMITS.urlHoursMax} (got ${hours}). Change it in ${WHERE}.`;
  }
  if (
    normalPrefix(config.prefix)
      .split('/')
      .some((part) => part === '.' || part === '..')
  ) {
    return `The key prefix ${JSON.stringify(config.prefix)} has a "." or ".." folder, which web addresses cannot carry. Change the prefix in ${WHERE}.`;
  }
  return undefined;
}

/** The prefix as keys use it: no leading slash (a key starting with `/` is almost never meant). */
function normalPrefix(prefix: string): string {
  return prefix.replace(/^\/+/, '');
}

/** The object key of an image: content-addressed, so the same image always lands on one object. */
export function objectKey(prefix: string, id: string, kind: ImageKind): string {
  return `${normalPrefix(prefix)}${id}.${IMAGE_EXT[kind]}`;
}

/** Throws a `HostingError` naming what to fix when the settings cannot work. */
export function assertS3Config(config: S3Hosting, secret: string): void {
  const missing = missingS3Fields(config, secret.trim() !== '');
  if (missing.length > 0) {
    throw new HostingError(`The bucket is not fully set up: fill in the ${listWords(missing)} in ${WHERE}.`, 'settings');
  }
  const problem = s3ConfigProblem(config);
  if (problem) throw new HostingError(problem, 'settings');
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
