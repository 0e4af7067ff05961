// @vitest-environment happy-dom
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useImportStore } from '../../src/renderer/src/stores/import';
import { byTestId, mountApp, settle, viewOf, type Mounted } from './setup';

const MIXED = 'name,prompt,duration,resolution\ngood,A calm lake at dawn,5,720p\nbad-duration,A storm at sea,99,720p\nbad-res,Fog in a forest,6,999p\n';

let mounted: Mounted | undefined;

async function dropCsv(text: string, name = 'mixed.csv', path?: string): Promise<Mounted> {
  mounted = await mountApp();
  const file = new File([text], name, { type: 'text/csv' });
  if (path) mounted.api.paths.set(file, path);
  await mounted.wrapper.find(byTestId('drop-zone')).trigger('drop', { dataTransfer: { files: [file] } });
  await settle();
  return mounted;
}

describe('import view', () => {
  it('a dropped file without a local path (a browser) is read and imported as text with its name', async () => {
    const { api, wrapper } = await dropCsv(MIXED);
    expect(api.callsOf('import:file')).toHaveLength(0);
    expect(api.callsOf('import:text')[0].args[0]).toEqual({ text: MIXED, fileName: 'mixed.csv', lines: false });
    expect(wrapper.find(byTestId('import-title')).text()).toBe('mixed.csv');
  });

  it('a dropped file with a local path reaches main through the preload, and is imported by the token main answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ltx-renderer-'));
    const path = join(dir, 'prompts.csv');
    writeFileSync(path, MIXED);
    const { api, wrapper } = await dropCsv(MIXED, 'prompts.csv', path);
    expect(api.callsOf('drop:inspect')[0].args).toEqual([[path]]);
    const [request] = api.callsOf('import:file')[0].args as [{ file: string }];
    expect(Object.keys(request)).toEqual(['file']);
    expect(request.file).not.toContain(path);
    expect(JSON.stringify(api.calls.filter((c) => c.channel !== 'drop:inspect'))).not.toContain(dir);
    expect(api.callsOf('import:text')).toHaveLength(0);
    expect(wrapper.find(byTestId('import-title')).text()).toBe('prompts.csv');
  });

  it('marks each bad cell with its message, and lists the problems by row', async () => {
    const { wrapper } = await dropCsv(MIXED);
    const marked = wrapper.findAll(byTestId('row-problem'));
    expect(marked.map((m) => m.text())).toEqual([
      '99The duration must be a whole number of seconds from 5 to 20 (got 99).',
      '999pThe resolution must be one of 480p, 720p, 1080p (got "999p").'
    ]);
    expect(marked[0].attributes('title')).toBe('The duration must be a whole number of seconds from 5 to 20 (got 99).');
    expect(wrapper.findAll(byTestId('problem-item')).map((p) => p.text())).toEqual([
      'Row 3, duration: The duration must be a whole number of seconds from 5 to 20 (got 99).',
      'Row 4, resolution: The resolution must be one of 480p, 720p, 1080p (got "999p").'
    ]);
    expect(wrapper.find(byTestId('import-summary')).text()).toContain('2 rows with problems');
  });

  it('keeps "Add to queue" off and says why, until invalid rows are left out', async () => {
    const { wrapper, api } = await dropCsv(MIXED);
    const add = () => wrapper.find(byTestId('add-to-queue'));
    expect(add().attributes('disabled')).toBeDefined();
    expect(wrapper.find(byTestId('add-blocked-reason')).text()).toBe('2 rows have problems: fix them in the table, or tick “Leave out invalid rows”.');
    await add().trigger('click');
    expect(wrapper.find(byTestId('confirm-dialog')).exists()).toBe(false);

    await wrapper.find(byTestId('skip-invalid')).setValue(true);
    expect(add().attributes('disabled')).toBeUndefined();
    expect(wrapper.find(byTestId('add-blocked-reason')).exists()).toBe(false);

    await add().trigger('click');
    expect(wrapper.find(byTestId('confirm-title')).text()).toBe('Add 1 video for $0.08?');
    expect(wrapper.find(byTestId('confirm-dialog')).text()).toContain('2 rows with problems are left out.');
    expect(api.callsOf('batches:create')).toHaveLength(0);

    await wrapper.find(byTestId('confirm-add')).trigger('click');
    await settle();
    expect(api.callsOf('batches:create')[0].args[0]).toMatchObject({ name: 'mixed', skipInvalid: true });
    expect(wrapper.find(byTestId('nav-queue')).attributes('aria-current')).toBe('page');
    expect(viewOf(mounted!)).toBe('queue');
    expect(wrapper.findAll(byTestId('batch-row'))).toHaveLength(1);
    expect(wrapper.find(byTestId('batch-row')).text()).toContain('mixed');
  });

  it('turns on "Add to queue" once the file is fixed and imported again', async () => {
    const { wrapper } = await dropCsv(MIXED);
    expect(wrapper.find(byTestId('add-to-queue')).attributes('disabled')).toBeDefined();
    await wrapper.find(byTestId('import-reset')).trigger('click');
    const fixed = new File([MIXED.replace(',99,', ',9,').replace('999p', '1080p')], 'mixed.csv');
    await wrapper.find(byTestId('drop-zone')).trigger('drop', { dataTransfer: { files: [fixed] } });
    await settle();
    expect(wrapper.findAll(byTestId('row-problem'))).toHaveLength(0);
    expect(wrapper.find(byTestId('add-to-queue')).attributes('disabled')).toBeUndefined();
    expect(wrapper.find(byTestId('skip-invalid')).exists()).toBe(false);
    await wrapper.find(byTestId('add-to-queue')).trigger('click');
    expect(wrapper.find(byTestId('confirm-title')).text()).toBe('Add 3 videos for $0.368?');
  });

  it('confirms the example’s total before adding it', async () => {
    mounted = await mountApp();
    const { wrapper, api } = mounted;
    await wrapper.find(byTestId('try-example')).trigger('click');
    await settle();
    await wrapper.find(byTestId('add-to-queue')).trigger('click');
    expect(wrapper.find(byTestId('confirm-title')).text()).toBe('Add 13 videos for $1.184?');
    await wrapper.find(byTestId('confirm-cancel')).trigger('click');
    expect(wrapper.find(byTestId('confirm-dialog')).exists()).toBe(false);
    expect(api.callsOf('batches:create')).toHaveLength(0);
  });

  it('shows the refusal inside the confirm when adding fails', async () => {
    mounted = await mountApp();
    const { wrapper, studio } = mounted;
    await wrapper.find(byTestId('try-example')).trigger('click');
    await settle();
    // The same import was added elsewhere meanwhile (another window), so main no longer keeps it.
    await studio.call('batches:create', { token: useImportStore().preview!.token, name: 'elsewhere', skipInvalid: false });
    await wrapper.find(byTestId('add-to-queue')).trigger('click');
    await wrapper.find(byTestId('confirm-add')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('confirm-dialog')).text()).toContain('That import is no longer open: import the file again.');
  });

  it('shows each column’s detected field, and imports again when a mapping changes', async () => {
    const { wrapper, api } = await dropCsv('title,scene\nshort,A cat on a sofa\n', 'odd.csv');
    const second = wrapper.find(byTestId('mapping-2'));
    expect((second.element as HTMLSelectElement).value).toBe('');
    expect(wrapper.find(byTestId('file-problem')).text()).toMatch(/No prompt column was found.*column mapping/);
    expect(wrapper.find(byTestId('add-blocked-reason')).text()).toMatch(/No prompt column/);
    await second.setValue('prompt');
    await settle();
    const last = api.callsOf('import:text').at(-1)!.args[0] as { mapping: Record<string, string | null> };
    expect(last.mapping).toEqual({ scene: 'prompt' });
    expect((wrapper.find(byTestId('mapping-2')).element as HTMLSelectElement).value).toBe('prompt');
    expect(wrapper.find(byTestId('file-problem')).exists()).toBe(false);
    expect(wrapper.findAll(byTestId('import-row'))).toHaveLength(1);
    expect(wrapper.find(byTestId('add-to-queue')).attributes('disabled')).toBeUndefined();
  });

  it('imports again with the batch defaults, and the estimate follows', async () => {
    mounted = await mountApp();
    const { wrapper, api } = mounted;
    await wrapper.find(byTestId('paste-input')).setValue('A cat on a sofa\nA dog in the park\n');
    await wrapper.find(byTestId('paste-import')).trigger('click');
    await settle();
    expect(api.callsOf('import:text')[0].args[0]).toMatchObject({ lines: true });
    expect(wrapper.find(byTestId('estimate-total')).text()).toBe('$0.16');

    await wrapper.find(byTestId('defaults-resolution')).setValue('1080p');
    await settle();
    expect(api.callsOf('import:text').at(-1)!.args[0]).toMatchObject({ lines: true, defaults: { resolution: '1080p', duration: 5 } });
    expect(wrapper.find(byTestId('estimate-total')).text()).toBe('$0.24');
    expect(wrapper.find(byTestId('estimate-1080p')).text()).toContain('2');

    await wrapper.find(byTestId('defaults-seed-sequential')).setValue(true);
    await settle();
    expect(api.callsOf('import:text').at(-1)!.args[0]).toMatchObject({ defaults: { seed: { kind: 'sequential', start: 1 } } });

    await wrapper.find(byTestId('defaults-duration')).setValue('25');
    await settle();
    expect(wrapper.find(byTestId('defaults-problem')).text()).toMatch(/from 5 to 20/);
  });

  it('changes the example’s defaults too (re-imported from its own rows)', async () => {
    mounted = await mountApp();
    const { wrapper, api } = mounted;
    await wrapper.find(byTestId('try-example')).trigger('click');
    await settle();
    await wrapper.find(byTestId('defaults-seed-fixed')).setValue(true);
    await settle();
    const last = api.callsOf('import:text').at(-1)!.args[0] as { fileName: string; defaults: unknown };
    expect(last).toMatchObject({ fileName: 'example.csv', defaults: { seed: { kind: 'fixed', value: 1 } } });
    expect(wrapper.find(byTestId('estimate-total')).text()).toBe('$1.184');
    expect(wrapper.find(byTestId('import-title')).text()).toBe('example.csv');
    expect(wrapper.findAll(byTestId('import-row'))).toHaveLength(13);
  });

  it('warns when the estimate is above the batch cap', async () => {
    mounted = await mountApp();
    const { wrapper } = mounted;
    await wrapper.find(byTestId('try-example')).trigger('click');
    await settle();
    await wrapper.find(byTestId('batch-cap')).setValue('1');
    expect(wrapper.find(byTestId('check-batch-cap')).text()).toContain('$1.00');
    expect(useImportStore().capMicros).toBe(1_000_000);
  });

  it('says what is wrong with a paste of nothing', async () => {
    mounted = await mountApp();
    const { wrapper, api } = mounted;
    await wrapper.find(byTestId('paste-import')).trigger('click');
    expect(wrapper.text()).toContain('Paste at least one prompt, one per line.');
    expect(api.callsOf('import:text')).toHaveLength(0);
  });
  it('fixes a bad cell in place: the row is checked at once, the cell is marked, Ctrl+Z takes it back, and a new default keeps the fix', async () => {
    const { wrapper, api } = await dropCsv(MIXED);
    const duration = () => wrapper.find('[data-cell="3:1:3"]');
    await duration().trigger('dblclick');
    const editor = wrapper.find(byTestId('cell-editor'));
    expect((editor.element as HTMLInputElement).value).toBe('99');
    await editor.setValue('9');
    await editor.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(api.callsOf('import:edit')[0].args[1]).toEqual({ row: 3, column: 3, text: '9' });
    expect(wrapper.findAll(byTestId('row-problem'))).toHaveLength(1);
    expect(wrapper.find(byTestId('import-summary')).text()).toContain('2 of them valid');
    expect(duration().find(byTestId('edited-mark')).attributes('aria-label')).toBe('edited');

    // A new default imports the edited table again (its edits kept), not the file.
    await wrapper.find(byTestId('defaults-seed-fixed')).setValue(true);
    await settle();
    expect(api.callsOf('import:choices')).toHaveLength(1);
    expect(api.callsOf('import:text')).toHaveLength(1);
    expect(wrapper.findAll(byTestId('row-problem'))).toHaveLength(1);
    expect(duration().text()).toBe('9');

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true }));
    await settle();
    expect(wrapper.findAll(byTestId('row-problem'))).toHaveLength(2);
    expect(duration().find(byTestId('edited-mark')).exists()).toBe(false);
    await wrapper.find(byTestId('edit-redo')).trigger('click');
    await settle();
    expect(wrapper.findAll(byTestId('row-problem'))).toHaveLength(1);
    // Renaming a column maps it again: "duration" → "notes" is ignored, so no row's duration is wrong.
    await wrapper.find(byTestId('header-3')).trigger('dblclick');
    const header = wrapper.find(byTestId('cell-editor'));
    expect((header.element as HTMLInputElement).value).toBe('duration');
    await header.setValue('notes');
    await header.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(wrapper.find(byTestId('header-3')).text()).toContain('notes');
    expect(wrapper.find(byTestId('mapping-3')).element).toHaveProperty('value', '');
    expect(wrapper.findAll(byTestId('row-problem'))).toHaveLength(1);
    expect(wrapper.find(byTestId('header-3')).find(byTestId('edited-mark')).exists()).toBe(true);
    // Dropped without a place on disk: it can be saved as, never "saved" over.
    expect(wrapper.find(byTestId('save-as-csv')).exists()).toBe(true);
    expect(wrapper.find(byTestId('save-original')).exists()).toBe(false);
  });
});
