/**
 * What a request may cost before it runs (for budget reservations) and what it did cost after (for the ledger), from the
 * meter's dated price table. Reservations must never be below the real cost, or concurrent requests could overshoot a
 * budget: prompt tokens are bounded by the prompt's UTF-8 bytes (no tokenizer emits more tokens than bytes), output tokens
 * by max_tokens (or the route's default, or the LLM tier's max_tokens), at the price of the dearest tier or target that
 * may answer. Counting bytes instead of tokens keeps the tokenizer off the hot path.
 */
import type { Provenance } from "../core/provenance.ts";
import type { Meter } from "../meter/index.ts";
import type { RelayTarget } from "../relay/index.ts";
import type { PricedFigure } from "./task-call.ts";
import type { ServedTask } from "./task-service.ts";

export interface Reservation {
  maxCostUsd: number | null;
  estimatedTokens: number;
}

export interface Pricing {
  taskReservation(task: ServedTask, text: string): Reservation;
  routeReservation(targets: readonly RelayTarget[], promptBytes: number, maxTokens: number): Reservation;
  tokensCost(model: string, inputTokens: number, outputTokens: number): PricedFigure;
  tokensEnergy(model: string, inputTokens: number, outputTokens: number): PricedFigure;
}

// A compact answer's CPU time is well under this; reserving it keeps a budgeted key from running on credit.
const COMPACT_CPU_MS_RESERVED = 50;

/** Per-token rates of one model, read from the meter once: cost and energy are linear in tokens. */
interface Rates {
  usdIn: number;
  usdOut: number;
  jIn: number | null;
  jOut: number | null;
  energyProvenance: Provenance;
}

export function createPricing(meter: Meter): Pricing {
  const promptOverhead = new Map<ServedTask, number>();
  // The meter builds a description string and normalises names on every call; on the request path only the rates are
  // needed, so they are resolved once per model (null: the model has no price row).
  const rates = new Map<string, Rates | null>();
  const ratesOf = (model: string): Rates | null => {
    let r = rates.get(model);
    if (r !== undefined) return r;
    try {
      meter.resolvePrice(model);
      const eIn = meter.energyOfTokens(model, 1, 0);
      const eOut = meter.energyOfTokens(model, 0, 1);
      r = {
        usdIn: meter.costOfTokens(model, 1, 0).usd,
        usdOut: meter.costOfTokens(model, 0, 1).usd,
        jIn: eIn.joules,
        jOut: eOut.joules,
        energyProvenance: eIn.joules === null ? "not_measured" : eIn.provenance,
      };
    } catch {
      r = null;
    }
    rates.set(model, r);
    return r;
  };
  const overheadOf = (task: ServedTask): number => {
    let bytes = promptOverhead.get(task);
    if (bytes === undefined) {
      // The template, the label or field list and a margin for the built-in template's wording.
      const spec = task.spec;
      bytes = Buffer.byteLength(`${spec.promptTemplate ?? ""}${(spec.labels ?? []).join("\n")}${(spec.fields ?? []).join("\n")}`) + 1024;
      promptOverhead.set(task, bytes);
    }
    return bytes;
  };
  const compactReserve = meter.costOfCpu(COMPACT_CPU_MS_RESERVED).usd;
  return {
    taskReservation(task, text) {
      const inputBytes = Buffer.byteLength(text) + overheadOf(task);
      let usd = compactReserve;
      let tokens = 0;
      for (const tier of task.tiers) {
        if (tier.kind !== "llm" || tier.model === undefined) continue;
        const out = tier.maxTokens ?? 512;
        tokens += inputBytes + out;
        if (tier.provider === "llama-cpp") continue; // self-hosted: priced by CPU time, not tokens
        const r = ratesOf(tier.model);
        if (r === null) return { maxCostUsd: null, estimatedTokens: tokens };
        usd += inputBytes * r.usdIn + out * r.usdOut;
      }
      return { maxCostUsd: usd, estimatedTokens: tokens };
    },
    routeReservation(targets, promptBytes, maxTokens) {
      let usd = 0;
      for (const t of targets) {
        const r = ratesOf(t.model);
        if (r === null) return { maxCostUsd: null, estimatedTokens: promptBytes + maxTokens };
        usd = Math.max(usd, promptBytes * r.usdIn + maxTokens * r.usdOut);
      }
      return { maxCostUsd: usd, estimatedTokens: promptBytes + maxTokens };
    },
    tokensCost(model, inputTokens, outputTokens) {
      const r = ratesOf(model);
      // A price table is a model of the invoice, whatever the tokens' provenance.
      return r === null ? { value: null, provenance: "not_measured" } : { value: inputTokens * r.usdIn + outputTokens * r.usdOut, provenance: "modeled" };
    },
    tokensEnergy(model, inputTokens, outputTokens) {
      const r = ratesOf(model);
      if (r === null || r.jIn === null || r.jOut === null) return { value: null, provenance: "not_measured" };
      return { value: inputTokens * r.jIn + outputTokens * r.jOut, provenance: r.energyProvenance };
    },
  };
}
