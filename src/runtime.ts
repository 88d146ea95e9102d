import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * PGlite holds its data folder for one process. A lock file with our pid tells a second
 * server, or a CLI command, that the folder is in use, rather than letting it corrupt it.
 */
export class DataFolderInUseError extends Error {}

export function lockDataFolder(dataDir: string, role: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'doorstep.lock');
  if (existsSync(file)) {
    const content = readFileSync(file, 'utf8').trim();
    const space = content.indexOf(' ');
    const pid = Number(space < 0 ? content : content.slice(0, space));
    const holder = space < 0 ? 'another process' : content.slice(space + 1);
    if (pid && pid !== process.pid && isRunning(pid)) {
      throw new DataFolderInUseError(
        `DOORSTEP_DATA: the embedded database in ${dataDir} is in use by ${holder} (pid ${pid}); stop it first, or use DATABASE_URL`,
      );
    }
  }
  writeFileSync(file, `${process.pid} ${role}\n`);
  return () => {
    try {
      if (readFileSync(file, 'utf8').startsWith(`${process.pid} `)) rmSync(file);
    } catch {
      // Already gone.
    }
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SESSION_SECRET, or in demo mode one generated once and kept in the data folder. */
export function resolveSessionSecret(config: Config): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
