/** The SQL dialects the store runs on. */
export type SqlDialect = 'sqlite' | 'postgres';
