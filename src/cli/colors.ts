// Colours only when a person is watching: picocolors alone also colours whenever `CI` is set, which
// puts escape codes into logs and into the one-line errors scripts parse. NO_COLOR / FORCE_COLOR win.
import pc from "picocolors";

type Colors = ReturnType<typeof pc.createColors>;

export function colorsEnabledFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** Colours for text written to stderr (errors, warnings, progress). */
export const errColors: Colors = pc.createColors(colorsEnabledFor(process.stderr));
/** Colours for text written to stdout (summaries, tables). */
export const outColors: Colors = pc.createColors(colorsEnabledFor(process.stdout));
