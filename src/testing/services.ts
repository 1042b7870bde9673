/**
 * Real Redis and PostgreSQL for tests. Tests that need them read FRUGAL_TEST_REDIS_URL / FRUGAL_TEST_PG_URL; `.ci/run` sets
 * both and FRUGAL_TEST_REQUIRE_SERVICES=1, so in CI a missing or unreachable service fails the test instead of skipping it.
 * Locally, without the variables, the tests are skipped with the reason shown. Each test gets its own PostgreSQL schema and
 * its own Redis key prefix, so suites running in parallel never see each other's rows or keys.
 */
import { randomBytes } from "node:crypto";

export interface ServiceSkip {
  /** Pass as `test(name, { skip }, fn)`: false when the service is configured, else the reason it is skipped. */
  skip: string | false;
}

function required(): boolean {
  return process.env.FRUGAL_TEST_REQUIRE_SERVICES === "1";
}

function serviceUrl(variable: "FRUGAL_TEST_REDIS_URL" | "FRUGAL_TEST_PG_URL"): string | undefined {
  const url = process.env[variable]?.trim();
  if (url) return url;
  if (required()) throw new Error(`${variable} is not set but FRUGAL_TEST_REQUIRE_SERVICES=1: CI must run the store tests`);
  return undefined;
}

/** The Redis URL under test, or undefined (tests skip) when it is not configured outside CI. */
export function testRedisUrl(): string | undefined {
  return serviceUrl("FRUGAL_TEST_REDIS_URL");
}

/** The PostgreSQL URL under test, or undefined (tests skip) when it is not configured outside CI. */
export function testPgUrl(): string | undefined {
  return serviceUrl("FRUGAL_TEST_PG_URL");
}

export function redisSkip(): ServiceSkip {
  return { skip: testRedisUrl() === undefined ? "FRUGAL_TEST_REDIS_URL is not set" : false };
}

export function pgSkip(): ServiceSkip {
  return { skip: testPgUrl() === undefined ? "FRUGAL_TEST_PG_URL is not set" : false };
}

/** A name no other test run uses: a PostgreSQL schema (`frugal_t_<hex>`) or a Redis key prefix (`frugal-t-<hex>:`). */
export function uniqueTestName(kind: "schema" | "prefix"): string {
  const id = randomBytes(6).toString("hex");
  return kind === "schema" ? `frugal_t_${id}` : `frugal-t-${id}:`;
}
