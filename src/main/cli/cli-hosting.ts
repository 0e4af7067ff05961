import type { HostingStatus } from '@shared/images';
import { defaultSettings, type HostingSettings } from '@shared/settings';
import { readSettingsFile, settingsFilePath } from '../core/app/settings-file';
import { createImageHost, hostingStatus, requestSigner, type ImageHost, type RequestSigner } from '../core/hosting';
import type { Logger } from '../core/log/logger';
import { defaultDataDir, userDataDir } from '../core/paths';

/** Where the CLI takes the bucket's secret access key from: the app keeps its own in the OS keychain. */
export const HOSTING_SECRET_ENV = 'LTX_HOSTING_SECRET';

/** What the CLI adds when the bucket's secret is missing: why it cannot simply use the app's. */
const KEYCHAIN_NOTE = `The command line cannot read the secret access key the app keeps in the OS keychain: set ${HOSTING_SECRET_ENV} to it.`;

export interface CliHosting {
  host: () => ImageHost | undefined;
  hostingStatus: () => HostingStatus;
}

/** The image hosting set up in the app (Settings → Image hosting), read from the app's own settings file. */
export async function appHostingSettings(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<HostingSettings> {
  const path = settingsFilePath(userDataDir(env));
  const { settings, problem } = await readSettingsFile(path, defaultSettings({ libraryDir: '', dataDir: defaultDataDir() }));
  if (problem) log.warn(`the app's settings were not read, so no image hosting is set up: ${problem}`);
  log.info('image hosting from the app settings', { file: path, kind: settings.hosting.kind });
  return settings.hosting;
}

/**
 * Where the CLI puts local images, the way the app does: the simulator's upload while simulating,
 * else the bucket or the inline data: URLs set up in the app, with the bucket's secret from
 * LTX_HOSTING_SECRET. The refusal is the window's sentence, plus why the keychain is out of reach.
 */
export function cliHosting(
  settings: HostingSettings,
  simulator: { baseUrl: string; apiKey: string } | undefined,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env
): CliHosting {
  const secret = env[HOSTING_SECRET_ENV]?.trim() || undefined;
  return {
    host: () => createImageHost(settings, secret, simulator, log),
    hostingStatus: () => {
      const status = hostingStatus(settings, secret !== undefined, simulator !== undefined);
      if (status.ready || settings.kind !== 's3' || secret !== undefined) return status;
      return { ...status, message: `${status.message} ${KEYCHAIN_NOTE}` };
    }
  };
}

/**
 * Signs image links afresh before each submit, from the hosting set up in the app (read once,
 * when the first task with a hosted image is submitted) and LTX_HOSTING_SECRET.
 */
export function cliRequestSigner(simulator: { baseUrl: string; apiKey: string } | undefined, log: Logger, env: NodeJS.ProcessEnv = process.env): RequestSigner {
  let hosting: Promise<{ host: ImageHost | undefined; status: HostingStatus }> | undefined;
  const current = (): Promise<{ host: ImageHost | undefined; status: HostingStatus }> =>
    (hosting ??= appHostingSettings(log, env).then((settings) => {
      const cli = cliHosting(settings, simulator, log, env);
      return { host: cli.host(), status: cli.hostingStatus() };
    }));
  return requestSigner({ host: async () => (await current()).host, notReady: async () => (await current()).status.message });
}
