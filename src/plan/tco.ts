/**
 * Cloud against on-premise for a fleet that runs around the clock (the stable, well-orchestrated load the brief talks
 * about). Cloud: devices × $/hour. On-premise: capex paid up front and amortized over N years for the cost per request;
 * running cost = energy (device power + host overhead, times PUE, times price) + yearly opex as a share of capex. The
 * break-even month is when the cumulative cloud bill passes capex plus cumulative running cost.
 */
import { z } from "zod";

export const HOURS_PER_MONTH = 730;

export const tcoSchema = z.object({
  amortizationYears: z.number().positive().default(3),
  energyUsdPerKwh: z.number().nonnegative().default(0.15),
  pue: z.number().min(1).default(1.4),
  /** Maintenance, support, space, staff: a yearly share of capex. */
  opexFractionPerYear: z.number().nonnegative().default(0.1),
  /** CPUs, memory, NICs and fans of the host, as a share of the accelerators' power. */
  hostPowerFraction: z.number().nonnegative().default(0.25),
});
export type TcoOptions = z.output<typeof tcoSchema>;
export type TcoInput = z.input<typeof tcoSchema>;

export interface TcoInputs {
  devices: number;
  cloudUsdPerDeviceHour: number;
  capexUsdPerDevice: number;
  /** Mean power of one device over the day, idle included. */
  avgPowerWPerDevice: number;
  requestsPerSecond: number;
  options: TcoOptions;
}

export interface TcoResult {
  cloudUsdPerMonth: number;
  onPremCapexUsd: number;
  onPremRunningUsdPerMonth: number;
  /** Amortized capex + running. */
  onPremUsdPerMonth: number;
  cloudUsdPer1000Requests: number;
  onPremUsdPer1000Requests: number;
  /** Facility energy (PUE and host included) per 1,000 requests. */
  kwhPer1000Requests: number;
  /** Months until on-premise is cheaper in cumulative cash; null when the cloud bill never exceeds running cost. */
  breakEvenMonths: number | null;
  /** The first whole month at the end of which on-premise has caught up. */
  breakEvenMonth: number | null;
}

export function computeTco(i: TcoInputs): TcoResult {
  const o = i.options;
  const cloudUsdPerMonth = i.devices * i.cloudUsdPerDeviceHour * HOURS_PER_MONTH;
  const onPremCapexUsd = i.devices * i.capexUsdPerDevice;
  const facilityKw = (i.devices * i.avgPowerWPerDevice * (1 + o.hostPowerFraction) * o.pue) / 1000;
  const energyUsdPerMonth = facilityKw * HOURS_PER_MONTH * o.energyUsdPerKwh;
  const onPremRunningUsdPerMonth = energyUsdPerMonth + (onPremCapexUsd * o.opexFractionPerYear) / 12;
  const onPremUsdPerMonth = onPremCapexUsd / (o.amortizationYears * 12) + onPremRunningUsdPerMonth;
  const requestsPerMonth = i.requestsPerSecond * 3600 * HOURS_PER_MONTH;
  const per1000 = (usd: number) => (requestsPerMonth > 0 ? (usd / requestsPerMonth) * 1000 : 0);
  const saving = cloudUsdPerMonth - onPremRunningUsdPerMonth;
  const breakEvenMonths = saving > 0 ? onPremCapexUsd / saving : null;
  return {
    cloudUsdPerMonth,
    onPremCapexUsd,
    onPremRunningUsdPerMonth,
    onPremUsdPerMonth,
    cloudUsdPer1000Requests: per1000(cloudUsdPerMonth),
    onPremUsdPer1000Requests: per1000(onPremUsdPerMonth),
    kwhPer1000Requests: requestsPerMonth > 0 ? ((facilityKw * HOURS_PER_MONTH) / requestsPerMonth) * 1000 : 0,
    breakEvenMonths,
    breakEvenMonth: breakEvenMonths === null ? null : Math.ceil(breakEvenMonths),
  };
}
