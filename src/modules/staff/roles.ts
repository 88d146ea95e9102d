/**
 * Staff roles and what each may do. Every /staff route names one permission in its config;
 * one hook (routes.ts) checks it, so a page cannot forget to.
 */

export const roles = [
  'administrator',
  'service-manager',
  'case-officer',
  'contact-centre-agent',
  'analyst',
] as const;
export type Role = (typeof roles)[number];

export const permissions = [
  /** The staff home and the person's own security settings. */
  'staff.home',
  /** Add staff, change their roles, reset their second factor. */
  'staff.manage',
  /** Sign-ins, failures and method changes of the council's staff. */
  'staff.activity',
  /** Work cases: queues, status, notes. */
  'cases.work',
  /** Take calls and visits; act for a resident (assisted digital). */
  'contacts.handle',
  /** Services, forms and categories. */
  'services.configure',
  /** Demand, failure demand, satisfaction, performance. */
  'insight.view',
  /** The council's name, logo, colours, statements, retention schedule, teams and queues. */
  'council.settings',
  /** Events, their registrations and attendance; stakeholder groups and their members. */
  'events.manage',
] as const;
export type Permission = (typeof permissions)[number];

/** Not a role's: platform administrators only, whatever their role. */
export const platformPermission = 'platform.councils';

export type RoutePermission = Permission | typeof platformPermission;

export const rolePermissions: Record<Role, readonly Permission[]> = {
  administrator: [
    'staff.home',
    'staff.manage',
    'staff.activity',
    'cases.work',
    'contacts.handle',
    'services.configure',
    'insight.view',
    'council.settings',
    'events.manage',
  ],
  'service-manager': [
    'staff.home',
    'cases.work',
    'contacts.handle',
    'services.configure',
    'insight.view',
    'events.manage',
  ],
  'case-officer': ['staff.home', 'cases.work'],
  'contact-centre-agent': ['staff.home', 'contacts.handle'],
  analyst: ['staff.home', 'insight.view'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export function allows(user: { role: Role; platformAdmin: boolean }, permission: RoutePermission): boolean {
  if (permission === platformPermission) return user.platformAdmin;
  return rolePermissions[user.role].includes(permission);
}
