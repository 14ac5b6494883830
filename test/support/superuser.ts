import postgres from 'postgres';

/**
 * A superuser connection to the database behind `url` (the test run's cell database by
 * default): for tests that play a privileged attacker (disabling triggers, forging rows) or
 * watch the server (pg_stat_activity). Never used by the product.
 */
export function superuserSql(url = process.env.QUIRE_TEST_DATABASE_OWNER_URL!): postgres.Sql {
  const admin = new URL(process.env.QUIRE_PG_ADMIN_URL!);
  const target = new URL(url);
  target.username = admin.username;
  target.password = admin.password;
  return postgres(target.toString(), { max: 1, onnotice: () => {} });
}
