-- Person search among a million people. GIN answers word similarity (<%) by reading the
-- posting lists of the query's trigrams; GiST had to walk much of its tree for a common
-- first name (hundreds of milliseconds). Emails typed with a slip, and the end of a phone
-- number (LIKE '%…'), get trigram indexes too, where they were read in full.
drop index people_name;
create index people_name on people using gin (name_key gin_trgm_ops);
create index person_emails_trigram on person_emails using gin (email gin_trgm_ops);
create index person_phones_trigram on person_phones using gin (phone gin_trgm_ops);
-- A family name that sounds the same, with the same first initial: one index range. By sound
-- alone, a common start ("Grant…") is twenty thousand people in a million.
drop index people_family_sound;
create index people_family_sound on people (tenant_id, dmetaphone(family_name), left(name_key, 1));
