/** A PostgreSQL schema of its own for one test, and a raw pool on it (to tamper behind a store's back); dropped after. */
import pg from "pg";
import { uniqueTestName } from "../../testing/services.ts";

export interface PgTestSchema {
  url: string;
  schema: string;
  raw: pg.Pool;
  drop(): Promise<void>;
}

export function pgTestSchema(url: string): PgTestSchema {
  const schema = uniqueTestName("schema");
  const raw = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  raw.on("error", () => {});
  return {
    url,
    schema,
    raw,
    async drop() {
      await raw.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await raw.end();
    },
  };
}
