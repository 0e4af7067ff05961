/**
 * The app's connection to the API: APIXO with the stored key, or the built-in simulator when
 * the settings say so (`auto` = no key). It owns the simulator, which keeps running once started
 * so tasks it made can still be collected, and knows where local images go while connected.
 */
import { join } from 'node:path';
import type { HostingStatus } from '@shared/images';
import type { KeyStatus } from '@shared/ipc';
import type { Settings } from '@shared/settings';
import { ApixoClient } from '../apixo';
import { createImageHost, hostingStatus, type ImageHost } from '../hosting';
import type { Logger } from '../log/logger';
import { simulatorStateDir, startSimulator, type Simulator } from '../simulator';

/** A secret kept outside the settings file; reads come from memory, writes may take a moment (the OS keychain). */
export interface SecretStore {
  get(): string | undefined;
  set(value: string): void | Promise<void>;
  clear(): void | Promise<void>;
  /** Encrypted with the OS keychain (the default), or only obscured where the system has none. */
  protection?(): 'encrypted' | 'obscured';
}

export interface ConnectionOptions {
  settings: () => Settings;
  /** The API key: safeStorage in the app. It is never handed to the window. */
  secrets: SecretStore;
  /** The secret key of the image-hosting bucket. */
  hostingSecret: SecretStore;
  apiBaseUrl?: string;
  timeScale?: number;
  log: Logger;
  /** Told after every (re)connection, the first included. */
  onConnect: (client: ApixoClient, simulated: boolean) => void;
}

export class Connection {
  private current!: ApixoClient;
  private simulator: Simulator | undefined;
  private simulatorApi: ApixoClient | undefined;
  private usingSimulator = false;

  constructor(private readonly options: ConnectionOptions) {}

  /** The client for the API connected now. */
  get client(): ApixoClient {
    return this.current;
  }

  /** True while the built-in simulator is the API. */
  get simulated(): boolean {
    return this.usingSimulator;
  }

  /** Connects as the settings and the stored key say; every key save or clear and every simulator switch comes through here. */
  async connect(): Promise<void> {
    const settings = this.options.settings();
    const key = this.options.secrets.get();
    const simulate = settings.simulator === 'on' || (settings.simulator === 'auto' && !key);
    this.usingSimulator = simulate;
    const { timeScale, log } = this.options;
    if (simulate) {
      this.current = await this.simulatorClient();
    } else {
      this.current = new ApixoClient({ apiKey: key ?? '', baseUrl: this.options.apiBaseUrl, timeScale, log: log.child('apixo') });
      // The simulator keeps running while tasks it made may still be collected.
    }
    log.info(simulate ? 'the API is the built-in simulator' : 'the API is APIXO', { baseUrl: this.current.baseUrl });
    this.options.onConnect(this.current, simulate);
  }

  /**
   * The built-in simulator's client, starting the simulator if need be: the API while simulating,
   * and beside APIXO while batches made on it still have tasks to collect.
   */
  async simulatorClient(): Promise<ApixoClient> {
    const { timeScale, log } = this.options;
    this.simulator ??= await startSimulator({
      timeScale,
      stateDir: simulatorStateDir(this.options.settings().dataDir),
      onWarning: (message) => log.warn(message)
    });
    this.simulatorApi ??= new ApixoClient({ apiKey: this.simulator.apiKey, baseUrl: this.simulator.baseUrl, timeScale, log: log.child('simulator') });
    return this.simulatorApi;
  }

  /** A client for another key (one being tested), or the connected one when there is none. */
  clientFor(key: string | undefined): ApixoClient {
    const apiKey = key?.trim() || this.options.secrets.get();
    return apiKey ? new ApixoClient({ apiKey, baseUrl: this.options.apiBaseUrl, timeScale: this.options.timeScale }) : this.current;
  }

  /**
   * A client to check a key before it is saved, or the saved one at start: it gives up sooner
   * than the queue's client, so an unreachable APIXO holds the person up for seconds, not minutes.
   */
  keyCheckClient(key: string): ApixoClient {
    return new ApixoClient({ apiKey: key, baseUrl: this.options.apiBaseUrl, timeScale: this.options.timeScale, timeoutMs: 15_000, connectTimeoutMs: 5_000 });
  }

  /** Where the outcome of the last key check is kept, when it was not a plain yes (see key-handlers.ts). */
  keyCheckFile(): string {
    return join(this.options.settings().dataDir, 'key-check.json');
  }

  /** Where local images go now: the simulator's upload while simulating, else the setting. */
  imageHost(): ImageHost | undefined {
    const { hosting } = this.options.settings();
    const sim = this.usingSimulator && this.simulator ? { baseUrl: this.simulator.baseUrl, apiKey: this.simulator.apiKey } : undefined;
    return createImageHost(hosting, this.options.hostingSecret.get(), sim, this.options.log.child('hosting'));
  }

  hostingStatus(): HostingStatus {
    return hostingStatus(this.options.settings().hosting, this.options.hostingSecret.get() !== undefined, this.usingSimulator);
  }

  keyStatus(): KeyStatus {
    const key = this.options.secrets.get();
    const protection = this.options.secrets.protection?.() ?? 'encrypted';
    return key ? { set: true, hint: `…${key.slice(-4)}`, protection } : { set: false, protection };
  }

  async close(): Promise<void> {
    await this.simulator?.close();
  }
}
