// Stops an npm script with one clear line when this Node is older than package.json's engines.
import { readFileSync } from 'node:fs';
import { nodeTooOld } from './node-version.mjs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const tooOld = nodeTooOld(process.versions.node, engines.node);
if (tooOld) {
  console.error(tooOld);
  process.exit(1);
}
