/**
 * The CLI's side of the gateway's admin routes (`--url`): a POST with FRUGAL_ADMIN_KEY, and the gateway's OpenAI-style
 * error object turned back into one clean line.
 */
import { FrugalError } from "../../core/errors.ts";

export async function adminPost(url: string, path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const key = process.env.FRUGAL_ADMIN_KEY?.trim();
  if (key === undefined || key === "") throw new FrugalError("input_invalid", "--url needs FRUGAL_ADMIN_KEY set to the gateway's admin key");
  const target = `${url.replace(/\/+$/, "")}${path}`;
  let response: Response;
  try {
    response = await fetch(target, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  } catch (error) {
    throw new FrugalError("upstream_unavailable", `cannot reach the gateway at ${target}: ${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}`);
  }
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A proxy's HTML error page: reported by status below.
  }
  if (!response.ok) {
    const message = (parsed.error as { message?: string } | undefined)?.message ?? `HTTP ${response.status}`;
    throw new FrugalError(response.status === 404 ? "not_found" : response.status === 401 ? "unauthorized" : response.status >= 500 ? "upstream_unavailable" : "input_invalid", `gateway: ${message}`);
  }
  return parsed;
}
