/**
 * The shape of an API key: `fk-<id>-<secret>`. The id (12 hex chars, not secret) lets a store find the one record to
 * compare with, so authentication is one hash and one constant-time comparison, never a scan. The secret is 32 random
 * bytes in base64url (256 bits), so the stored sha256 cannot be reversed by guessing.
 */
import { hash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { validateConfig } from "../core/config-file.ts";
import type { CreateKeyInput, KeyRecord } from "./key-types.ts";

const PREFIX = "fk-";
const ID_PATTERN = /^[0-9a-f]{12}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newKeyId(): string {
  return randomBytes(6).toString("hex");
}

export function newKeySecret(id: string): string {
  return `${PREFIX}${id}-${randomBytes(32).toString("base64url")}`;
}

/** The id inside a presented key, or undefined when it cannot be one of ours (checked before any lookup). */
export function keyIdOf(presented: string): string | undefined {
  if (presented.length !== PREFIX.length + 12 + 1 + 43 || !presented.startsWith(PREFIX)) return undefined;
  const id = presented.slice(PREFIX.length, PREFIX.length + 12);
  if (presented[PREFIX.length + 12] !== "-" || !ID_PATTERN.test(id)) return undefined;
  return SECRET_PATTERN.test(presented.slice(PREFIX.length + 13)) ? id : undefined;
}

export function hashKey(key: string): Buffer {
  return hash("sha256", key, "buffer");
}

/** Constant-time: how much of a hash matches must not show in the response time. */
export function hashesMatch(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a key may use a task or route (the gateway's allow-list check). */
export function keyAllows(record: KeyRecord, target: string): boolean {
  return record.allow === undefined || record.allow.includes(target);
}

const positiveInt = z.number().int().positive().max(1e12);
const createKeySchema = z
  .strictObject({
    team: z.string().trim().min(1).max(200),
    name: z.string().trim().min(1).max(200).optional(),
    budgetUsd: z.number().positive().max(1e9).optional(),
    period: z.enum(["day", "month"]).optional(),
    rpm: positiveInt.optional(),
    tpm: positiveInt.optional(),
    allow: z.array(z.string().trim().min(1).max(200)).min(1).optional(),
  })
  .refine((k) => k.period === undefined || k.budgetUsd !== undefined, { message: "a period needs a budget", path: ["period"] });

/** Validated input with defaults: a budget without a period is monthly. */
export function validateCreateKey(input: CreateKeyInput): CreateKeyInput {
  const valid = validateConfig(createKeySchema, input, "key");
  if (valid.budgetUsd !== undefined && valid.period === undefined) return { ...valid, period: "month" };
  return valid;
}
