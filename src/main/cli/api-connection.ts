import { ApixoClient } from '../core/apixo';
import type { Logger } from '../core/log/logger';
import { simulatorStateDir, startSimulator, type Simulator } from '../core/simulator';
import { UsageError } from './output';

export interface ApiConnection {
  /** The API new batches go to. */
  client: ApixoClient;
  /** Set when the embedded simulator is the API: nothing is charged, and new batches are simulated. */
  simulator?: Simulator;
  /** One line saying which API this is. */
  label: string;
  /**
   * The embedded simulator started beside APIXO for batches made on it (docs/architecture.md,
   * "Money": a simulated task is simulated for life); set once `simulatorBeside` started it.
   */
  beside?: { simulator: Simulator; client: ApixoClient };
  /** Starts the embedded simulator beside APIXO (once), on the data folder's simulator state. */
  simulatorBeside: () => Promise<{ simulator: Simulator; client: ApixoClient }>;
  close: () => Promise<void>;
}

interface ConnectOptions {
  baseUrl?: string;
  timeScale: number;
  /** Where the embedded simulator remembers its tasks, so that a later `resume` finds them. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

/** The embedded simulator on the data folder's state, and a client for it. */
async function embeddedSimulator(options: ConnectOptions): Promise<{ simulator: Simulator; client: ApixoClient }> {
  const simulator = await startSimulator({
    timeScale: options.timeScale,
    stateDir: options.dataDir === undefined ? undefined : simulatorStateDir(options.dataDir),
    onWarning: (message) => options.log?.warn(message)
  });
  const client = new ApixoClient({ apiKey: simulator.apiKey, baseUrl: simulator.baseUrl, timeScale: options.timeScale, log: options.log });
  return { simulator, client };
}

/**
 * The API a command talks to: APIXO with the key from APIXO_API_KEY (at --base-url if given),
 * or, with neither, the embedded simulator.
 */
export async function connectApi(options: ConnectOptions): Promise<ApiConnection> {
  const env = options.env ?? process.env;
  const key = env.APIXO_API_KEY?.trim();
  if (key || options.baseUrl) {
    if (!key) throw new UsageError('--base-url needs an API key: set APIXO_API_KEY.');
    const client = new ApixoClient({ apiKey: key, baseUrl: options.baseUrl, timeScale: options.timeScale, log: options.log });
    let starting: Promise<{ simulator: Simulator; client: ApixoClient }> | undefined;
    const connection: ApiConnection = {
      client,
      label: `APIXO at ${client.baseUrl} (key …${key.slice(-4)})`,
      simulatorBeside: () =>
        (starting ??= embeddedSimulator(options).then((beside) => {
          connection.beside = beside;
          return beside;
        })),
      close: async () => {
        await starting?.then(
          (beside) => beside.simulator.close(),
          () => undefined
        );
      }
    };
    return connection;
  }
  const { simulator, client } = await embeddedSimulator(options);
  return {
    client,
    simulator,
    label: 'the built-in APIXO simulator (no APIXO_API_KEY is set): simulated videos, nothing is charged',
    simulatorBeside: async () => ({ simulator, client }),
    close: () => simulator.close()
  };
}
