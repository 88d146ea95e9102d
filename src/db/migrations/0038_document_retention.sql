-- A document version goes with its file: the retention sweep deletes the file (row and
-- bytes) and the version row follows, so no version ever points at bytes that are gone.
alter table case_document_versions drop constraint case_document_versions_tenant_id_file_id_fkey;
alter table case_document_versions add constraint case_document_versions_file
  foreign key (tenant_id, file_id) references files (tenant_id, id) on delete cascade;
