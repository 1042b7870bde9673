/** Counters (budgets and rate limits) shared by every replica through Redis. */
export { createRedisCounters, type RedisCountersOptions } from "./redis-counters.ts";
export { openRedis, redisEndpoint, type RedisConnection, type RedisConnectionOptions } from "./connection.ts";
