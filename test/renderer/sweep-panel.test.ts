// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { byTestId, mountApp, settle, type Mounted } from './setup';

const TEMPLATE = 'prompt,place,resolution\n"A fox in {{place}}, at dusk",a snowy pass,480p\n"A fox in {{place}}, at dusk",a pine forest,480p\n';

async function dropCsv(text: string): Promise<Mounted> {
  const mounted = await mountApp();
  const file = new File([text], 'places.csv', { type: 'text/csv' });
  await mounted.wrapper.find(byTestId('drop-zone')).trigger('drop', { dataTransfer: { files: [file] } });
  await settle();
  return mounted;
}

describe('sweep panel and template preview (import)', () => {
  it('marks the filled part of each prompt and names its column', async () => {
    const { wrapper } = await dropCsv(TEMPLATE);
    const prompts = wrapper.findAll(byTestId('filled-prompt'));
    expect(prompts.map((p) => p.text())).toEqual(['A fox in a snowy pass, at dusk', 'A fox in a pine forest, at dusk']);
    const mark = prompts[0].find('mark');
    expect(mark.text()).toBe('a snowy pass');
    expect(mark.attributes('data-column')).toBe('place');
  });

  it('sends the sweep with the import, and shows its count and cost before it expands', async () => {
    const { wrapper, api } = await dropCsv(TEMPLATE);
    await wrapper.find(byTestId('sweep-seed-kind')).setValue('list');
    await wrapper.find(byTestId('sweep-seed-list')).setValue('42, 43');
    await wrapper.find(byTestId('sweep-seed-list')).trigger('change');
    await settle();
    await wrapper.find(byTestId('sweep-durations')).setValue('5, 10');
    await wrapper.find(byTestId('sweep-durations')).trigger('change');
    await settle();
    const last = api.callsOf('import:text').at(-1)!.args[0] as { sweep?: unknown };
    expect(last.sweep).toEqual({ seeds: { list: [42, 43] }, durations: [5, 10] });
    // 2 prompts × 2 seeds × (5 s + 10 s) at 480p ($0.012 a second).
    expect(wrapper.find(byTestId('sweep-count')).text()).toBe('2 prompts × 2 seeds × 2 durations = 8 videos, $0.72');
    expect(wrapper.find(byTestId('import-summary')).text()).toContain('8 videos to make');
    expect(
      wrapper
        .findAll(byTestId('take-axes'))[0]
        .findAll('.axis')
        .map((a) => a.text())
    ).toEqual(['seed 42', 'duration 5']);
  });

  it('explains a list it cannot read in place, and imports nothing for it', async () => {
    const { wrapper, api } = await dropCsv(TEMPLATE);
    const before = api.callsOf('import:text').length;
    await wrapper.find(byTestId('sweep-durations')).setValue('5, 99');
    await wrapper.find(byTestId('sweep-durations')).trigger('change');
    await settle();
    expect(wrapper.find(byTestId('sweep-error')).text()).toBe('“99” is not a duration: write whole numbers from 5 to 20, separated by commas.');
    expect(api.callsOf('import:text')).toHaveLength(before);
  });
});
