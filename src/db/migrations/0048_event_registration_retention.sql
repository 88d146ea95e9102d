-- Registrations keep their personal data (name, email, answers, the account and CRM person
-- they were joined to, the links) for the retention their questions declare, counted from
-- the end of the event, or the cancellation of the registration or of the event, whichever
-- came first. Housekeeping then deletes it and keeps the row: its status and attendance
-- are the event's figures.
alter table events add column cancelled_at timestamptz;
-- Events cancelled before this column: the last change is the latest the cancellation can
-- have been (the retention clock starts no earlier than it did).
update events set cancelled_at = updated_at where status = 'cancelled';

alter table event_registrations
  alter column name drop not null,
  alter column email drop not null,
  add column personal_data_deleted_at timestamptz,
  -- Either a live registration with its person, or figures with nobody behind them.
  add constraint event_registrations_personal_data check (
    case when personal_data_deleted_at is null then name is not null and email is not null
    else name is null and email is null and answers = '{}'::jsonb and account_id is null and person_id is null
    end);

-- The sweep and every live lookup read only registrations still holding personal data.
create index event_registrations_live on event_registrations (tenant_id, event_id)
  where personal_data_deleted_at is null;
