import type { Config } from '../../config.ts';
import type { Database, Queryable } from '../../db/database.ts';
import { enqueue, type Job } from '../outbox/outbox.ts';
import { type JobHandler, PermanentJobError } from '../outbox/worker.ts';
import type { TenantRegistry } from '../tenancy/registry.ts';
import type { Tenant } from '../tenancy/tenant.ts';
import { recordDevMail } from './dev-mailbox-store.ts';
import { InvalidMessageError, type MailTransport, type OutgoingMessage, validateMessage } from './message.ts';
import { notifyTransport } from './notify-transport.ts';
import { smtpTransport } from './smtp-transport.ts';

export const mailJobKind = 'mail.send';

export const noTransportMessage = 'no mail transport configured: set SMTP_URL or NOTIFY_API_KEY';

export interface MailerDeps {
  db: Database;
  config: Pick<Config, 'demo' | 'smtpUrl' | 'notify'>;
  tenants: Pick<TenantRegistry, 'byId' | 'refresh'>;
  now?: () => Date;
}

/**
 * Email from a council. `send` only writes a job in the caller's transaction; the worker
 * delivers it through SMTP or GOV.UK Notify, and in demo mode also records it in the dev
 * mailbox (which is the delivery when neither is configured).
 */
export class Mailer {
  readonly #db: Database;
  readonly #config: MailerDeps['config'];
  readonly #tenants: MailerDeps['tenants'];
  readonly #now: () => Date;
  #transport: MailTransport | undefined;

  constructor(deps: MailerDeps) {
    this.#db = deps.db;
    this.#config = deps.config;
    this.#tenants = deps.tenants;
    this.#now = deps.now ?? (() => new Date());
  }

  /** How messages leave: for the start-up log and /readyz. */
  get delivery(): 'smtp' | 'notify' | 'dev-mailbox' | 'none' {
    if (this.#config.smtpUrl) return 'smtp';
    if (this.#config.notify) return 'notify';
    return this.#config.demo ? 'dev-mailbox' : 'none';
  }

  /**
   * Checks the message and enqueues it in q's transaction, returning the job id: it goes
   * only if that transaction commits. Throws InvalidMessageError for a message that could
   * never be sent (not one address, an empty subject, a bad attachment).
   */
  async send(q: Queryable, tenantId: string, message: OutgoingMessage): Promise<string> {
    const payload = validateMessage(message);
    return enqueue(q, { tenantId, kind: mailJobKind, payload, runAt: this.#now() });
  }

  /** The job handlers to give the Worker. */
  handlers(): Record<string, JobHandler> {
    return { [mailJobKind]: (job) => this.deliver(job) };
  }

  /**
   * Delivers one mail job. Safe to run again for the same job: the dev mailbox keeps one
   * record per job, and SMTP retries carry the same Message-ID.
   */
  async deliver(job: Job): Promise<void> {
    let message: OutgoingMessage;
    try {
      message = validateMessage(job.payload as OutgoingMessage);
    } catch (error) {
      if (error instanceof InvalidMessageError) throw new PermanentJobError(error.message);
      throw error;
    }
    const tenant = await this.#tenant(job.tenantId);
    // Recorded before the transport is tried, so a transport failure cannot leave a message
    // delivered but missing from the mailbox, and a retry finds the record already there.
    if (this.#config.demo) {
      await recordDevMail(this.#db, { tenantId: tenant.id, jobId: job.id, message, sentAt: this.#now() });
    }
    const transport = this.#transportFor();
    if (!transport) {
      if (!this.#config.demo) throw new Error(noTransportMessage);
      await this.#keep(tenant.id, job.id, message);
      return;
    }
    await transport.deliver({
      from: { name: tenant.name.en, address: tenant.contact.email },
      message,
      reference: `doorstep-${tenant.slug}-${job.id}`,
    });
    await this.#keep(tenant.id, job.id, message);
  }

  /** What the council sent, for the person's account; once per job however often it runs. */
  async #keep(tenantId: string, jobId: string, message: OutgoingMessage) {
    if (message.keep === false) return;
    await this.#db.query(
      `insert into sent_mail (tenant_id, job_id, to_address, subject, text_body, sent_at)
       values ($1, $2, $3, $4, $5, $6) on conflict (tenant_id, job_id) do nothing`,
      [tenantId, jobId, message.to, message.subject, message.text, this.#now()],
    );
  }

  async close(): Promise<void> {
    await this.#transport?.close();
    this.#transport = undefined;
  }

  #transportFor(): MailTransport | undefined {
    if (!this.#transport) {
      if (this.#config.smtpUrl) this.#transport = smtpTransport(this.#config.smtpUrl);
      else if (this.#config.notify) this.#transport = notifyTransport(this.#config.notify);
    }
    return this.#transport;
  }

  // A worker running apart from the web process may not have heard of a council created since it started.
  async #tenant(id: string): Promise<Tenant> {
    let tenant = this.#tenants.byId(id);
    if (!tenant) {
      await this.#tenants.refresh();
      tenant = this.#tenants.byId(id);
    }
    if (!tenant) throw new PermanentJobError(`council ${id} not found`);
    return tenant;
  }
}
