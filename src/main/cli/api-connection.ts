import { ApixoClient } from '../core/apixo';
import type { Logger } from '../core/log/logger';
import { simulatorStateDir, startSimulator, type Simulator } from '../core/simulator';
import { UsageError } from './output';

export interface ApiConnection {
  client: ApixoClient;
  /** Set when the embedded simulator is the API: nothing is charged. */
  simulator?: Simulator;
  /** One line saying which API this is. */
  label: string;
  close: () => Promise<void>;
}

/**
 * The API a command talks to: APIXO with the key from APIXO_API_KEY (at --base-url if given),
 * or, with neither, the embedded simulator.
 */
export async function connectApi(options: {
  baseUrl?: string;
  timeScale: number;
  /** Where the embedded simulator remembers its tasks, so that a later `resume` finds them. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}): Promise<ApiConnection> {
  const env = options.env ?? process.env;
  const key = env.APIXO_API_KEY?.trim();
  if (key || options.baseUrl) {
    if (!key) throw new UsageError('--base-url needs an API key: set APIXO_API_KEY.');
    const client = new ApixoClient({ apiKey: key, baseUrl: options.baseUrl, timeScale: options.timeScale, log: options.log });
    return { client, label: `APIXO at ${client.baseUrl} (key …${key.slice(-4)})`, close: async () => undefined };
  }
  const simulator = await startSimulator({
    timeScale: options.timeScale,
    stateDir: options.dataDir === undefined ? undefined : simulatorStateDir(options.dataDir),
    onWarning: (message) => options.log?.warn(message)
  });
  const client = new ApixoClient({ apiKey: simulator.apiKey, baseUrl: simulator.baseUrl, timeScale: options.timeScale, log: options.log });
  return {
    client,
    simulator,
    label: 'the built-in APIXO simulator (no APIXO_API_KEY is set): simulated videos, nothing is charged',
    close: () => simulator.close()
  };
}
