-- A sent draft remembers its case: sending it again (a double click, the back button)
-- shows the same confirmation rather than making a second case.
alter table form_drafts add column submitted_case_id uuid;
alter table form_drafts add constraint form_drafts_case_fk
  foreign key (tenant_id, submitted_case_id) references cases (tenant_id, id) on delete set null (submitted_case_id);
