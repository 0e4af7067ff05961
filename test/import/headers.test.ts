import { describe, expect, it } from 'vitest';
import { FIELDS, importCsvFile, importCsvText, type Field } from '../../src/main/core/import';
import { fixture } from './helpers';

const fieldsOf = (header: string): (Field | null)[] => importCsvText(`${header}\nx\n`).columns.map((c) => c.field);

describe('header names', () => {
  it.each([
    ['prompt', 'prompt'],
    ['Text', 'prompt'],
    ['DESCRIPTION', 'prompt'],
    ['type', 'mode'],
    ['Res', 'resolution'],
    ['quality', 'resolution'],
    ['Seconds', 'duration'],
    ['length', 'duration'],
    ['secs', 'duration'],
    ['Aspect Ratio', 'aspect_ratio'],
    ['aspect-ratio', 'aspect_ratio'],
    ['aspect', 'aspect_ratio'],
    ['ratio', 'aspect_ratio'],
    ['SEED', 'seed'],
    ['Image URL', 'image'],
    ['image_url', 'image'],
    ['url', 'image'],
    ['Source Image', 'image'],
    ['LoRA 1 Path', 'lora1_path'],
    ['lora_path', 'lora1_path'],
    ['LoRA Scale', 'lora1_scale'],
    ['lora2-path', 'lora2_path'],
    ['Lora3 Scale', 'lora3_scale'],
    ['Title', 'name'],
    ['file name', 'name'],
    ['Takes', 'count'],
    ['N', 'count'],
    ['variations', 'count']
  ])('"%s" is the %s column', (header, field) => {
    expect(fieldsOf(field === 'prompt' ? header : `prompt,${header}`).pop()).toBe(field);
  });

  it('knows every field by its own name', () => {
    const r = importCsvText(`${FIELDS.join(',')}\nA cat\n`);
    expect(r.columns.map((c) => c.field)).toEqual([...FIELDS]);
    expect(r.columns.every((c) => c.automatic)).toBe(true);
  });

  it('describes each column: header as written, 1-based index, letter, field', () => {
    const r = importCsvText(' Prompt ,Notes,Seconds\nA cat,hi,5\n');
    expect(r.columns).toEqual([
      { header: 'Prompt', index: 1, letter: 'A', field: 'prompt', automatic: true },
      { header: 'Notes', index: 2, letter: 'B', field: null, automatic: true },
      { header: 'Seconds', index: 3, letter: 'C', field: 'duration', automatic: true }
    ]);
  });

  it('ignores unknown columns with one warning naming them', () => {
    const r = importCsvText('prompt,notes,owner,duration\nA cat,hi,me,5\n');
    expect(r.validCount).toBe(1);
    expect(r.warnings).toEqual([expect.stringMatching(/^Ignored columns the importer does not know: "notes" \(B\) and "owner" \(C\)\./)]);
    expect(r.rows[0].source).toEqual({ prompt: 'A cat', notes: 'hi', owner: 'me', duration: '5' });
  });

  it('ignores a header-less trailing column quietly, and warns when it holds data', () => {
    expect(importCsvText('prompt,duration,\nA cat,5,\n').warnings).toEqual([]);
    const r = importCsvText('prompt,duration,\nA cat,5,oops\n');
    expect(r.warnings).toEqual([expect.stringMatching(/^Row 2 has cells under a column without a header/)]);
    expect(r.validCount).toBe(1);
  });

  it('keeps a "__proto__" header as an ordinary column', () => {
    const r = importCsvText('prompt,__proto__,constructor\nA cat,x,y\n');
    expect(r.validCount).toBe(1);
    expect(Object.keys(r.rows[0].source)).toEqual(['prompt', '__proto__', 'constructor']);
    expect(r.rows[0].source['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(r.rows[0].source)).toBe(Object.prototype);
  });
});

describe('header problems', () => {
  it('refuses two columns for one field, naming both by letter', async () => {
    const r = await importCsvFile(fixture('duplicate-headers.csv'));
    expect(r.rows).toEqual([]);
    expect(r.fileProblems).toEqual([
      expect.stringMatching(/^Columns A \("prompt"\) and C \("Text"\) both hold the prompt\./),
      expect.stringMatching(/^Columns B \("Duration"\) and D \("seconds"\) both hold the duration\./)
    ]);
    expect(r.columns).toHaveLength(4);
  });

  it('refuses a file with no prompt column, naming the columns it has', async () => {
    const r = await importCsvFile(fixture('no-prompt-column.csv'));
    expect(r.rows).toEqual([]);
    expect(r.fileProblems).toEqual([
      expect.stringMatching(/^No prompt column was found; the first row, read as the header, has these columns: "title", "seconds" and "quality"\./)
    ]);
  });

  it('says so when a file seems to have no header row at all', () => {
    const r = importCsvText('A cat on a wall,5,720p\nA dog,6,480p\n');
    expect(r.fileProblems[0]).toMatch(/No prompt column.*"A cat on a wall".*add one\.$/);
  });
});

describe('column mapping', () => {
  it('maps a header the importer does not know, and marks it as not automatic', () => {
    const r = importCsvText('Scene,Clip length\nA cat,6\n', { mapping: { Scene: 'prompt', 'Clip length': 'duration' } });
    expect(r.fileProblems).toEqual([]);
    expect(r.columns.map((c) => [c.field, c.automatic])).toEqual([
      ['prompt', false],
      ['duration', false]
    ]);
    expect(r.rows[0].draft).toMatchObject({ prompt: 'A cat', duration: 6 });
    expect(r.warnings).toEqual([]);
  });

  it('ignores a column mapped to null, without a warning', () => {
    const r = importCsvText('prompt,duration\nA cat,99\n', { mapping: { duration: null } });
    expect(r.columns[1]).toMatchObject({ field: null, automatic: false });
    expect(r.rows[0].draft.duration).toBe(5);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('settles a duplicate by mapping one of the columns away', () => {
    const r = importCsvText('prompt,text\nA cat,A dog\n', { mapping: { text: null } });
    expect(r.fileProblems).toEqual([]);
    expect(r.rows[0].draft.prompt).toBe('A cat');
  });

  it('matches mapping keys like headers (case and separators aside)', () => {
    const r = importCsvText('Scene Text,x\nA cat,1\n', { mapping: { scene_text: 'prompt' } });
    expect(r.rows[0].draft.prompt).toBe('A cat');
  });

  it('refuses a mapping to something that is not a field', () => {
    const r = importCsvText('prompt,x\nA cat,1\n', { mapping: { x: 'colour' as Field } });
    expect(r.fileProblems).toEqual([expect.stringMatching(/^The column mapping sends column B \("x"\) to "colour", which is not a field\./)]);
  });

  it('does not read inherited properties of the mapping object', () => {
    const r = importCsvText('prompt,constructor,toString\nA cat,1,2\n', { mapping: {} });
    expect(r.fileProblems).toEqual([]);
    expect(r.columns.map((c) => c.field)).toEqual(['prompt', null, null]);
  });
});
