import type { HostingStatus } from '@shared/images';
import type { HostingSettings } from '@shared/settings';
import { DATA_URL_LABEL, DATA_URL_MAX_BYTES } from './data-url-host';
import { fileSize } from '@shared/file-size';
import { listWords, missingS3Fields, s3ConfigProblem } from './s3-config';
import { privateHostWords } from './private-host';
import { SIMULATOR_HOST_LABEL } from './simulator-host';

/** What `kind: 'none'` says: exactly what to set up. */
export const NO_HOSTING_MESSAGE =
  'Local images must be hosted for APIXO to fetch them. In Settings → Image hosting, connect an S3-compatible bucket ' +
  '(AWS S3, Cloudflare R2, Backblaze B2, MinIO) or turn on data: URLs (experimental).';

/** Why APIXO, out on the internet, could never fetch from this endpoint; undefined when it may. */
function unreachableEndpoint(endpoint: string): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(endpoint.trim()).hostname;
  } catch {
    return undefined;
  }
  const words = privateHostWords(hostname);
  if (words === undefined) return undefined;
  return `The endpoint ${hostname} (${words}) is on this computer or a private network, which APIXO cannot reach from the internet. Use a bucket endpoint that is publicly reachable in Settings → Image hosting.`;
}

/** Whether local images can be hosted now, and if not, what to set up. */
export function hostingStatus(settings: HostingSettings, secretSet: boolean, simulated: boolean): HostingStatus {
  const base = { secretSet, simulated };
  if (simulated) {
    return {
      ...base,
      label: SIMULATOR_HOST_LABEL,
      ready: true,
      message: 'While simulating, local images are uploaded to the built-in simulator; nothing leaves this computer.'
    };
  }
  if (settings.kind === 'data-url') {
    return {
      ...base,
      label: DATA_URL_LABEL,
      ready: true,
      message:
        `Local images up to ${fileSize(DATA_URL_MAX_BYTES)} are sent inside the request as data: URLs. APIXO does not document these, ` +
        'so this is experimental: if image tasks fail, connect an S3-compatible bucket instead.'
    };
  }
  if (settings.kind === 's3') {
    const s3 = settings.s3;
    const label = s3.bucket.trim() === '' ? 'an S3 bucket' : `S3 bucket ${JSON.stringify(s3.bucket.trim())}`;
    const missing = missingS3Fields(s3, secretSet);
    if (missing.length > 0) {
      return {
        ...base,
        label,
        ready: false,
        message: `To host local images in an S3-compatible bucket, fill in the ${listWords(missing)} in Settings → Image hosting.`
      };
    }
    const problem = s3ConfigProblem(s3) ?? unreachableEndpoint(s3.endpoint);
    if (problem) return { ...base, label, ready: false, message: problem };
    return {
      ...base,
      label,
      ready: true,
      message:
        `Local images are uploaded to bucket ${JSON.stringify(s3.bucket.trim())} at ${s3.endpoint.trim()} and shared with APIXO ` +
        `through private links valid for ${s3.urlHours} hours.`
    };
  }
  return { ...base, label: 'nothing', ready: false, message: NO_HOSTING_MESSAGE };
}
