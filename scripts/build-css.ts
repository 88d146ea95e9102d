// Builds govuk-frontend's Sass once, with our system font stack, into dist/assets.
// Runs after `npm ci`; the server also runs it at start if the file is missing.
import { buildStylesheet } from '../src/platform/views/stylesheet.ts';

const started = Date.now();
const file = await buildStylesheet();
console.log(`doorstep: built ${file} in ${Date.now() - started} ms`);
