import { parseArgs } from 'node:util';
import type { Database } from '../../db/database.ts';
import { SecretBox } from './secrets.ts';
import { OidcService } from './service.ts';

export const rotateKeysUsage = 'npm run doorstep -- oidc:rotate-keys --council <slug>';

interface CliOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * `oidc:rotate-keys`: new signing keys for a council's OpenID Provider (as the button at
 * /staff/apps does). Running servers pick them up within a minute; the old keys stay
 * published until nothing they signed can still be valid.
 */
export async function rotateKeysCommand(
  args: string[],
  deps: { sessionSecret: string; demo: boolean },
  open: (fn: (db: Database) => Promise<number>) => Promise<number>,
  io: CliOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let council: string | undefined;
  try {
    ({
      values: { council },
    } = parseArgs({ args, options: { council: { type: 'string' } } }));
  } catch (error) {
    io.stderr.write(`doorstep: ${(error as Error).message}\nUsage: ${rotateKeysUsage}\n`);
    return 2;
  }
  if (!council) {
    io.stderr.write(`doorstep: --council is required\nUsage: ${rotateKeysUsage}\n`);
    return 2;
  }
  return open(async (db) => {
    const [tenant] = await db.query<{ id: string }>('select id from tenants where slug = $1', [council]);
    if (!tenant) {
      io.stderr.write(`doorstep: no council ${council}\n`);
      return 1;
    }
    const now = () => new Date();
    const oidc = new OidcService({ db, box: new SecretBox(deps.sessionSecret, { demo: deps.demo }), now });
    await oidc.rotateKeys(tenant.id, { type: 'system' });
    io.stdout.write(`new signing keys for ${council}; the old ones stay published a while\n`);
    return 0;
  });
}
