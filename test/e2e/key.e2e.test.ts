/**
 * The APIXO key against the harness's simulator: a bad key is refused in words, and not saved
 * when saved anyway; the good key "works" with its balance; saving it switches the app off the simulator. The key is never
 * shown, and never comes back from the service.
 */
import { expect, it } from 'vitest';
import { formatUsd, usdToMicros } from '@shared/pricing';
import { GOOD_KEY } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';

const BAD_KEY = 'bad-key-5678-zz';
const BALANCE_USD = 42.5;

describeE2e('e2e: testing and saving the APIXO key', () => {
  const session = e2eSession({ balanceUsd: BALANCE_USD });

  it('refuses a bad key, accepts the good one with its balance, and never shows either', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'key');
    const { page } = app;
    // Everything the service answered the page, to check that no key ever comes back.
    const answers: Promise<string>[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/api/invoke')) answers.push(response.text().catch(() => ''));
    });
    const keyResult = page.getByTestId('key-result');
    try {
      await page.getByTestId('add-key').click();
      await page.getByTestId('key-input').waitFor();
      expect(await page.getByTestId('key-status').innerText()).toContain('No key set');
      // With no key saved and nothing typed there is no "Test the saved key".
      expect(await page.getByTestId('key-test').count()).toBe(0);
      await app.screen('1-settings');

      // A bad key: refused, in words, and nothing stored.
      await page.getByTestId('key-input').fill(BAD_KEY);
      await page.getByTestId('key-test').click();
      await keyResult.waitFor();
      const refusal = await keyResult.innerText();
      expect(refusal).toMatch(/key/i);
      expect(refusal).not.toContain('The key works');
      expect(await keyResult.getAttribute('class')).toContain('notice-bad');
      expect(harness.storedKey()).toBeUndefined();
      await app.screen('2-bad-key');

      // Saving it anyway: not saved, the simulator stays on, and the answer says why and what to do.
      await page.getByTestId('key-save').click();
      const refusedOnSave = page.getByTestId('key-error-set');
      await refusedOnSave.waitFor();
      expect(await refusedOnSave.innerText()).toMatch(
        /^Not saved: APIXO did not accept this key \(HTTP 401.*\)\. The simulator stays on, and nothing is charged\./
      );
      expect(await refusedOnSave.innerText()).toContain('Copy the whole key again from your APIXO account');
      expect(harness.storedKey()).toBeUndefined();
      expect(await page.getByTestId('key-saved').count()).toBe(0);
      expect(await page.getByTestId('key-status').innerText()).toContain('No key set');
      expect(await page.getByTestId('sim-badge').isVisible()).toBe(true);
      await app.screen('2b-refused-on-save');

      // The good key works, and says the balance.
      await page.getByTestId('key-input').fill(GOOD_KEY);
      await page.getByTestId('key-test').click();
      await expect.poll(() => keyResult.innerText()).toContain('The key works');
      const balance = formatUsd(usdToMicros(BALANCE_USD));
      expect(await keyResult.innerText()).toContain(balance);
      // A key only tested is not the account's yet: the balance shown is the engine's reading of a saved key.
      expect(await page.getByTestId('balance-value').innerText()).toBe('No key saved: the simulator has no real balance.');
      expect(harness.storedKey()).toBeUndefined(); // tested, not saved
      expect(await page.getByTestId('sim-badge').isVisible()).toBe(true);
      await app.screen('3-good-key');

      // Saved: the field empties, only the last four characters are shown, the simulator is off.
      await page.getByTestId('key-save').click();
      await page.getByTestId('key-saved').waitFor();
      expect(harness.storedKey()).toBe(GOOD_KEY);
      expect(await page.getByTestId('key-input').inputValue()).toBe('');
      await expect.poll(() => page.getByTestId('key-status').innerText()).toContain(GOOD_KEY.slice(-4));
      await expect.poll(() => page.getByTestId('sim-badge').count()).toBe(0);
      await page.getByTestId('key-test').click(); // now "test the saved key"
      await expect.poll(() => keyResult.innerText()).toContain('The key works');
      // The cost bar shows the account's balance now (not the simulator's).
      await expect.poll(() => page.getByTestId('cost-balance').innerText(), { timeout: 5_000 }).toBe(balance);
      // Settings show that same reading, with its age.
      expect(await page.getByTestId('balance-value').innerText()).toMatch(new RegExp(`^\\${balance} · (just now|\\d+ s ago)$`));
      await app.screen('4-saved');

      // The key is nowhere in the page, nor in anything the service sent it.
      const html = await page.content();
      const text = await page.locator('body').innerText();
      const fields = await page.locator('input, textarea').evaluateAll((els) => els.map((el) => (el as HTMLInputElement).value));
      for (const secret of [GOOD_KEY, BAD_KEY]) {
        expect(html).not.toContain(secret);
        expect(text).not.toContain(secret);
        expect(fields.join('\n')).not.toContain(secret);
        expect((await Promise.all(answers)).filter((body) => body.includes(secret))).toEqual([]);
      }
      expect(answers.length).toBeGreaterThan(0);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
