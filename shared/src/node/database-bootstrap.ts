import postgres from 'postgres';

/**
 * Creates a database and its two login roles, idempotently, with an admin URL (the cells'
 * and the control plane's setup both use it): `<db>_owner` owns the tables and runs
 * migrations; `<db>_app` is what the service connects as (member of a NOLOGIN group, not a
 * superuser, no BYPASSRLS, owns nothing, may connect to its own database only).
 * Several setups may run at once (parallel test files): a role created meanwhile is fine.
 */
export interface BootstrapOptions {
  adminUrl: string;
  database: string;
  ownerPassword: string;
  appPassword: string;
  /** NOLOGIN group the app role joins; the migrations grant table privileges to it. */
  appGroup: string;
  /**
   * Extensions only a superuser may create (not trusted), created in the new database with the
   * admin URL before any migration needs them; idempotent. Trusted ones the migrations create.
   */
  extensions?: string[];
}

const IDENT = /^[a-z][a-z0-9_]{0,40}$/;
export async function bootstrapDatabase(o: BootstrapOptions): Promise<{ ownerUrl: string; appUrl: string }> {
  if (!IDENT.test(o.database)) throw new Error(`invalid database name: ${o.database}`);
  if (!IDENT.test(o.appGroup)) throw new Error(`invalid role name: ${o.appGroup}`);
  for (const e of o.extensions ?? []) if (!IDENT.test(e)) throw new Error(`invalid extension name: ${e}`);
  const owner = `${o.database}_owner`;
  const app = `${o.database}_app`;
  const admin = postgres(o.adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Several setups may run at once (parallel test files): a role created meanwhile is fine.
    for (const stmt of [
      `CREATE ROLE ${o.appGroup} NOLOGIN`,
      `CREATE ROLE ${owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`,
      `CREATE ROLE ${app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS IN ROLE ${o.appGroup}`,
    ]) {
      await admin.unsafe(
        `DO $$ BEGIN ${stmt}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
      );
    }
    await admin.unsafe(`GRANT ${o.appGroup} TO ${app}`);
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
    u.password = encodeURIComponent(password);
    u.pathname = `/${o.database}`;
    return u.toString();
  };
  if (o.extensions?.length) {
    const inDb = new URL(base);
    inDb.pathname = `/${o.database}`;
    const adminInDb = postgres(inDb.toString(), { max: 1, onnotice: () => {} });
    try {
      for (const e of o.extensions) await adminInDb.unsafe(`CREATE EXTENSION IF NOT EXISTS ${e}`);
    } finally {
      await adminInDb.end();
    }
  }
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

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
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
