import { SaxesParser } from 'saxes';
import { inflateEntry, ZipProblem, type ZipBudget, type ZipEntry } from './zip-read';

/** What a workbook part's XML says, event by event (names as written, prefixes included). */
export interface XmlHandlers {
  open?: (name: string, attributes: Record<string, string>, selfClosing: boolean) => void;
  close?: (name: string) => void;
  text?: (text: string) => void;
}

/**
 * Streams one zip entry's XML through saxes as it inflates, so a huge sheet is never held whole.
 * A handler may throw to stop reading; malformed XML throws `ZipProblem('corrupt')`.
 */
export function streamXml(bytes: Uint8Array, entry: ZipEntry, budget: ZipBudget, handlers: XmlHandlers): void {
  const parser = new SaxesParser();
  parser.on('error', (error) => {
    throw new ZipProblem('corrupt', `its part ${entry.name} is not well-formed XML (${error.message})`);
  });
  if (handlers.open) {
    const open = handlers.open;
    parser.on('opentag', (tag) => open(tag.name, tag.attributes as Record<string, string>, tag.isSelfClosing));
  }
  if (handlers.close) {
    const close = handlers.close;
    parser.on('closetag', (tag) => close(tag.name));
  }
  if (handlers.text) {
    parser.on('text', handlers.text);
    parser.on('cdata', handlers.text);
  }
  const decoder = new TextDecoder();
  inflateEntry(bytes, entry, budget, (chunk) => {
    parser.write(decoder.decode(chunk, { stream: true }));
  });
  parser.write(decoder.decode());
  parser.close();
}
