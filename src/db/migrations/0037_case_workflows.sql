-- Whether the resident could see each update when it was made: later edits to a service's
-- statuses do not rewrite what a person was shown.
alter table case_updates add column public boolean not null default true;
-- The platform's own statuses take their wording from the catalogues.
alter table case_statuses alter column label drop not null;
