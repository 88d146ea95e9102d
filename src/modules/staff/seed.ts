import type { Seed } from '../../platform/seeds/seeds.ts';
import type { Role } from './roles.ts';
import { demoTotpSecret } from './service.ts';
import { upsertUser } from './store.ts';

/** The demo staff of the Contracts table, per council; their TOTP secret works in demo mode only. */
export const demoStaff: { local: string; name: string; role: Role }[] = [
  { local: 'admin', name: 'Alex Admin', role: 'administrator' },
  { local: 'officer', name: 'Olu Officer', role: 'case-officer' },
  { local: 'agent', name: 'Ayesha Agent', role: 'contact-centre-agent' },
  { local: 'analyst', name: 'Anwen Analyst', role: 'analyst' },
  { local: 'manager', name: 'Morgan Manager', role: 'service-manager' },
];

export const staffSeed: Seed = {
  module: 'staff',
  version: 2,
  async run(tx) {
    const councils = await tx.query<{ id: string; slug: string }>(
      `select id, slug from tenants where slug in ('northshire', 'riverford')`,
    );
    for (const council of councils) {
      for (const person of demoStaff) {
        await upsertUser(tx, council.id, {
          email: `${person.local}@${council.slug}.example`,
          name: person.name,
          role: person.role,
          totpSecret: demoTotpSecret,
        });
      }
    }
  },
};
