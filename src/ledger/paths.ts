/** Where governance state lives. Its own file so the CLI can show defaults without loading SQLite. */
export const DEFAULT_DATA_DIR = "./.frugal";
export const GOVERNANCE_DB_FILE = "frugal.db";
