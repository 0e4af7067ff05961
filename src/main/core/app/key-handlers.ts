/**
 * The window's doors to the API key and the image host: saving, clearing and testing each,
 * over the connection (connection.ts), which is redone whenever the key changes.
 */
import { formatUsd } from '@shared/pricing';
import type { InvokeHandlers } from '@shared/ipc';
import { isApixoError } from '../apixo';
import { testImageHost } from '../hosting';
import type { BatchEngine } from '../queue/engine';
import type { Connection, SecretStore } from './connection';

export interface KeyContext {
  connection: Connection;
  secrets: SecretStore;
  hostingSecret: SecretStore;
  engine: () => BatchEngine;
}

export type KeyChannel =
  'key:status' | 'key:set' | 'key:clear' | 'key:test' | 'hosting:status' | 'hosting:set-secret' | 'hosting:clear-secret' | 'hosting:test';

export function keyHandlers({ connection, secrets, hostingSecret, engine }: KeyContext): Pick<InvokeHandlers, KeyChannel> {
  return {
    'key:status': () => connection.keyStatus(),
    'key:set': async (key) => {
      await secrets.set(key.trim());
      await connection.connect();
      engine().resumeAccount();
      return connection.keyStatus();
    },
    'key:clear': async () => {
      await secrets.clear();
      await connection.connect();
      return connection.keyStatus();
    },
    'key:test': async (key) => {
      const client = connection.clientFor(key);
      try {
        const balanceMicros = await client.balance({ retry: { attempts: 2, baseDelayMs: 500, maxDelayMs: 1000 } });
        return { ok: true, balanceMicros, message: `The key works. Balance: ${formatUsd(balanceMicros)}.` };
      } catch (error) {
        return { ok: false, message: isApixoError(error) ? error.message : `The key could not be tested: ${(error as Error).message}` };
      }
    },
    'hosting:status': () => connection.hostingStatus(),
    'hosting:set-secret': async (secret) => {
      await hostingSecret.set(secret.trim());
      return connection.hostingStatus();
    },
    'hosting:clear-secret': async () => {
      await hostingSecret.clear();
      return connection.hostingStatus();
    },
    'hosting:test': async () => {
      const host = connection.imageHost();
      if (!host) return { ok: false, message: connection.hostingStatus().message };
      return testImageHost(host);
    }
  };
}
