import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');
export const builtAssetsDir = path.join(root, 'dist/assets');
const source = path.join(import.meta.dirname, 'styles/doorstep.scss');
const output = path.join(builtAssetsDir, 'doorstep.css');

export async function buildStylesheet(): Promise<string> {
  const sass = await import('sass');
  const result = sass.compile(source, {
    loadPaths: [path.join(root, 'node_modules')],
    style: 'compressed',
    quietDeps: true,
    silenceDeprecations: ['import'],
  });
  await mkdir(builtAssetsDir, { recursive: true });
  await writeFile(output, result.css);
  return path.relative(root, output);
}

/** The stylesheet's URL with a content hash, so it can be cached for a year. */
export async function ensureStylesheet(): Promise<string> {
  if (!existsSync(output)) await buildStylesheet();
  const hash = createHash('sha256').update(readFileSync(output)).digest('hex').slice(0, 12);
  return `/assets/doorstep.css?v=${hash}`;
}
