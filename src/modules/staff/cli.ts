import { parseArgs } from 'node:util';
import type { Database } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { isSingleAddress } from '../../platform/mail/message.ts';
import { isRole, type Role, roles } from './roles.ts';
import { findUserByEmail, insertUser } from './store.ts';

export const staffCreateUsage =
  'npm run doorstep -- staff:create --council <slug> --email <address> --name "<full name>" [--role administrator] [--platform]';

export interface CliOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * `staff:create`: the first administrator of a council (or any member of staff), who then
 * signs in at /staff/sign-in with an emailed code and sets up an authenticator app.
 * `--platform` makes them a platform administrator, who can see every council's staff.
 * `open` gives the database, refusing while a server holds the embedded one.
 */
export async function staffCreateCommand(
  args: string[],
  open: (fn: (db: Database) => Promise<number>) => Promise<number>,
  io: CliOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let values: { council?: string; email?: string; name?: string; role?: string; platform?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        council: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string', default: 'administrator' },
        platform: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    io.stderr.write(`doorstep: ${(error as Error).message}\nUsage: ${staffCreateUsage}\n`);
    return 1;
  }
  const missing = (['council', 'email', 'name'] as const).filter((k) => !values[k]?.trim());
  if (missing.length) {
    io.stderr.write(`doorstep: staff:create needs --${missing.join(', --')}\nUsage: ${staffCreateUsage}\n`);
    return 1;
  }
  const email = values.email!.trim().toLowerCase();
  if (!isSingleAddress(email)) {
    io.stderr.write(`doorstep: --email must be one email address, got "${values.email}"\n`);
    return 1;
  }
  if (!isRole(values.role)) {
    io.stderr.write(`doorstep: --role must be one of ${roles.join(', ')}, got "${values.role}"\n`);
    return 1;
  }
  const role: Role = values.role;
  return open(async (db) => {
    const [council] = await db.query<{ id: string }>('select id from tenants where slug = $1', [
      values.council,
    ]);
    if (!council) {
      io.stderr.write(`doorstep: no council with the slug "${values.council}" (see tenant:create)\n`);
      return 1;
    }
    const created = await db.transaction(async (tx) => {
      const user = await insertUser(tx, council.id, {
        email,
        name: values.name!.trim(),
        role,
        platformAdmin: values.platform ?? false,
      });
      if (user) {
        await recordAudit(tx, {
          tenantId: council.id,
          actor: { type: 'system' },
          action: 'staff.user-created',
          subject: { type: 'staff-user', id: user.id },
          details: { role, via: 'command line' },
        });
      }
      return user;
    });
    if (!created) {
      const existing = await findUserByEmail(db, council.id, email);
      io.stderr.write(
        `doorstep: ${email} is already staff of ${values.council} (${existing?.role}); nothing changed\n`,
      );
      return 1;
    }
    io.stdout.write(
      `${email} is now ${role === 'administrator' ? 'an administrator' : `a ${role}`} of ${values.council}` +
        `${created.platformAdmin ? ' and a platform administrator' : ''}.\n` +
        'They sign in at /staff/sign-in with a code sent to that address, then set up an authenticator app.\n',
    );
    return 0;
  });
}
