// Types of number-format.js (plain JavaScript so the report can inline it into its page; see that file).
// Every formatter takes a possibly-missing number and returns "not measured" for null, undefined or a non-finite value.
export declare const NOT_MEASURED: "not measured";
export declare function formatUsd(value: number | null | undefined): string;
export declare function formatMs(value: number | null | undefined): string;
export declare function formatShare(value: number | null | undefined, decimals?: number): string;
export declare function formatKwh(value: number | null | undefined): string;
export declare function formatCount(value: number | null | undefined): string;
export declare function formatNumber(value: number | null | undefined): string;
export declare function formatRatio(value: number | null | undefined): string;
