import postgres from 'postgres';

/**
 * Creates a cell database and its two login roles, idempotently, with an admin URL:
 * `<db>_owner` owns the tables and runs migrations; `<db>_app` is what the cell
 * connects as (member of the NOLOGIN group `quire_cell_app`, no BYPASSRLS, owns nothing,
 * may connect to its own database only).
 */
export interface BootstrapOptions {
  adminUrl: string;
  database: string;
  ownerPassword: string;
  appPassword: string;
}

const IDENT = /^[a-z][a-z0-9_]{0,40}$/;

export async function bootstrapCellDatabase(
  o: BootstrapOptions,
): Promise<{ ownerUrl: string; appUrl: string }> {
  if (!IDENT.test(o.database)) throw new Error(`invalid database name: ${o.database}`);
  const owner = `${o.database}_owner`;
  const app = `${o.database}_app`;
  const admin = postgres(o.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quire_cell_app') THEN CREATE ROLE quire_cell_app NOLOGIN; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${owner}') THEN CREATE ROLE ${owner} LOGIN; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${app}') THEN CREATE ROLE ${app} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE quire_cell_app; END IF;
    END $$`);
    // Passwords are bound values, never spliced into SQL text.
    await admin`select set_config('quire.pw_owner', ${o.ownerPassword}, false), set_config('quire.pw_app', ${o.appPassword}, false)`;
    await admin.unsafe(`DO $$ BEGIN
      EXECUTE format('ALTER ROLE ${owner} PASSWORD %L', current_setting('quire.pw_owner'));
      EXECUTE format('ALTER ROLE ${app} PASSWORD %L', current_setting('quire.pw_app'));
    END $$`);
    const [exists] = await admin`select 1 from pg_database where datname = ${o.database}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE ${o.database} OWNER ${owner}`);
    await admin.unsafe(`REVOKE ALL ON DATABASE ${o.database} FROM PUBLIC`);
    await admin.unsafe(`GRANT CONNECT, TEMPORARY ON DATABASE ${o.database} TO ${owner}, ${app}`);
  } finally {
    await admin.end();
  }
  const base = new URL(o.adminUrl);
  const url = (user: string, password: string) => {
    const u = new URL(base);
    u.username = user;
    u.password = password;
    u.pathname = `/${o.database}`;
    return u.toString();
  };
  const ownerUrl = url(owner, o.ownerPassword);
  // The public schema of a fresh database belongs to pg_database_owner: the owner role.
  const ownerSql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
  try {
    await ownerSql.unsafe('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  } finally {
    await ownerSql.end();
  }
  return { ownerUrl, appUrl: url(app, o.appPassword) };
}

export async function dropCellDatabase(adminUrl: string, database: string): Promise<void> {
  if (!IDENT.test(database)) throw new Error(`invalid database name: ${database}`);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.unsafe(`DROP ROLE IF EXISTS ${database}_app`);
    await admin.unsafe(`DROP ROLE IF EXISTS ${database}_owner`);
  } finally {
    await admin.end();
  }
}
