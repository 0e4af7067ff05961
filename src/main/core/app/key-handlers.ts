/**
 * The window's doors to the API key and the image host: saving, clearing and testing each,
 * over the connection (connection.ts), which is redone whenever the key changes.
 *
 * A key is checked with APIXO before it is saved. One APIXO refuses (401/403) is not saved, and
 * the person is told what APIXO said and what to do. One that cannot be checked (offline, a
 * timeout, a server error) is saved with a warning, and the doubt is written down beside the
 * queue so the next start checks it again. A key refused at that start is kept (the person may
 * have fixed the account on APIXO's side meanwhile) but submits are held, as for any refused key,
 * until they save another key or resume.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatUsd } from '@shared/pricing';
import type { InvokeHandlers, KeyCheck, KeyStatus, KeyTest } from '@shared/ipc';
import { isApixoError, type ApixoClient } from '../apixo';
import { testImageHost } from '../hosting';
import type { BatchEngine } from '../queue/engine';
import { TaskActionError } from '../queue/engine-types';
import type { Connection, SecretStore } from './connection';

export interface KeyContext {
  connection: Connection;
  secrets: SecretStore;
  hostingSecret: SecretStore;
  engine: () => BatchEngine;
}

export type KeyChannel =
  'key:status' | 'key:set' | 'key:clear' | 'key:test' | 'hosting:status' | 'hosting:set-secret' | 'hosting:clear-secret' | 'hosting:test';

const CHECK_RETRY = { attempts: 2, baseDelayMs: 500, maxDelayMs: 1000 };

/** What APIXO made of a key: it works, it is refused (401/403), or it could not be asked. */
type Verdict = { kind: 'accepted'; balanceMicros: number } | { kind: 'refused'; status: 401 | 403; said: string } | { kind: 'unchecked'; why: string };

async function checkKey(client: ApixoClient): Promise<Verdict> {
  try {
    return { kind: 'accepted', balanceMicros: await client.balance({ retry: CHECK_RETRY }) };
  } catch (error) {
    if (isApixoError(error, 'auth') || isApixoError(error, 'forbidden')) {
      return { kind: 'refused', status: error.kind === 'auth' ? 401 : 403, said: error.serverMessage?.trim() ?? '' };
    }
    return { kind: 'unchecked', why: sentence(isApixoError(error) ? error.message : `the check failed: ${(error as Error).message}`) };
  }
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** "APIXO did not accept this key (HTTP 401: “Invalid API key”)." and what to do about it. */
function refusal(verdict: Extract<Verdict, { kind: 'refused' }>, which: string): { what: string; todo: string } {
  const said = verdict.said ? `: “${verdict.said.slice(0, 200)}”` : '';
  return verdict.status === 401
    ? {
        what: `APIXO did not accept ${which} (HTTP 401${said}).`,
        todo: 'Copy the whole key again from your APIXO account (API keys), paste it and save it.'
      }
    : {
        what: `APIXO refused ${which} access (HTTP 403${said}).`,
        todo: 'Check in your APIXO account that the key may use LTX 2 19B, or use another key.'
      };
}

/** The last check's doubt about the saved key, in memory and in a small file in the data folder. */
class KeyCheckRecord {
  private current: KeyCheck | undefined;

  constructor(private readonly file: () => string) {
    try {
      const parsed = JSON.parse(readFileSync(file(), 'utf8')) as Partial<KeyCheck>;
      if ((parsed.state === 'unchecked' || parsed.state === 'refused') && typeof parsed.message === 'string') {
        this.current = { state: parsed.state, message: parsed.message };
      }
    } catch {
      // No file (the usual case) or an unreadable one: nothing is in doubt.
    }
  }

  get(): KeyCheck | undefined {
    return this.current;
  }

  set(check: KeyCheck | undefined): void {
    this.current = check;
    try {
      if (check) {
        mkdirSync(dirname(this.file()), { recursive: true });
        writeFileSync(this.file(), `${JSON.stringify(check)}\n`);
      } else {
        rmSync(this.file(), { force: true });
      }
    } catch {
      // The window is told all the same; only the next start may not check again.
    }
  }
}

function uncheckedMessage(why: string): string {
  const words = /^[A-Z][a-z]/.test(why) ? why[0].toLowerCase() + why.slice(1) : why;
  return `Saved, but not checked: ${words.replace(/\.$/, '')}; it is checked again at the next start.`;
}

export function keyHandlers({ connection, secrets, hostingSecret, engine }: KeyContext): Pick<InvokeHandlers, KeyChannel> {
  const record = new KeyCheckRecord(() => connection.keyCheckFile());
  const keyStatus = (): KeyStatus => {
    const status = connection.keyStatus();
    const check = status.set ? record.get() : undefined;
    return check ? { ...status, check } : status;
  };

  // These handlers are built once, as the app service starts: a saved key left in doubt is checked now.
  const saved = secrets.get();
  if (saved && record.get()) void recheckAtStart(saved);

  async function recheckAtStart(key: string): Promise<void> {
    const verdict = await checkKey(connection.keyCheckClient(key));
    if (secrets.get() !== key) return; // another key was saved or the key removed meanwhile
    if (verdict.kind === 'accepted') {
      record.set(undefined);
    } else if (verdict.kind === 'unchecked') {
      record.set({ state: 'unchecked', message: uncheckedMessage(verdict.why) });
    } else {
      const { what, todo } = refusal(verdict, `the saved key …${key.slice(-4)} at start`);
      const message = `${what} The key is kept, but submits are held. ${todo} Or remove the key to use the simulator.`;
      record.set({ state: 'refused', message });
      if (!connection.simulated) engine().pauseAccount('auth', message);
    }
  }

  /** The saved key is tested by reading the engine's one balance, so Settings and the cost bar show the same figure. */
  async function testSavedKey(): Promise<KeyTest> {
    const reading = await engine().readBalance();
    if (reading?.micros === undefined) return { ok: false, message: reading?.problem ?? 'The balance could not be read.' };
    if (record.get()?.state === 'unchecked') record.set(undefined);
    return { ok: true, balanceMicros: reading.micros, message: `The key works. Balance: ${formatUsd(reading.micros)}.` };
  }

  return {
    'key:status': () => keyStatus(),
    'key:set': async (typed) => {
      const key = typed.trim();
      const verdict = await checkKey(connection.keyCheckClient(key));
      if (verdict.kind === 'refused') {
        const before = connection.keyStatus();
        const { what, todo } = refusal(verdict, 'this key');
        const stays = before.set
          ? `The key ending in ${before.hint ?? 'the saved characters'} stays in use.`
          : connection.simulated
            ? 'The simulator stays on, and nothing is charged.'
            : 'No key is saved.';
        throw new TaskActionError(`Not saved: ${what} ${stays} ${todo}`);
      }
      await secrets.set(key);
      record.set(verdict.kind === 'unchecked' ? { state: 'unchecked', message: uncheckedMessage(verdict.why) } : undefined);
      await connection.connect();
      engine().resumeAccount();
      return keyStatus();
    },
    'key:clear': async () => {
      await secrets.clear();
      record.set(undefined);
      await connection.connect();
      return keyStatus();
    },
    'key:test': async (key) => {
      if (!key?.trim() && secrets.get() && !connection.simulated) return testSavedKey();
      const client = connection.clientFor(key);
      try {
        const balanceMicros = await client.balance({ retry: CHECK_RETRY });
        // The saved key answered: a doubt left by an unreachable APIXO is gone.
        if (!key?.trim() && secrets.get() && record.get()?.state === 'unchecked') record.set(undefined);
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
