-- The sample's own table, created on every start (spring.sql.init.mode=always); Apalis creates its
-- tables in the schema "apalis" by itself.
create table if not exists signups (
    id bigint generated always as identity primary key,
    email text not null unique,
    name text not null,
    created_on date not null,
    created_at timestamptz not null default now()
);
