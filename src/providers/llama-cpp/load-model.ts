/**
 * Loading the llama.cpp binding and a GGUF file, with every failure turned into a FrugalError a user can act on: a missing
 * file names its path, a corrupt one says why (the native loader's own reason when it gave one), a binding that cannot
 * load says how to get one. node-llama-cpp is imported lazily so commands that never touch a GGUF don't pay for it.
 */
import { open, stat } from "node:fs/promises";
import type { Llama, LlamaModel } from "node-llama-cpp";
import { FrugalError } from "../../core/errors.ts";

export type GpuSetting = "auto" | false;

/** The last lines llama.cpp logged, kept because its loader explains corruption in logs, not in the thrown error. */
export interface NativeLog {
  push(level: string, message: string): void;
  /** Error and warning lines logged since `mark`. */
  since(mark: number): string[];
  readonly mark: number;
}

export function createNativeLog(capacity = 50): NativeLog {
  const lines: Array<{ at: number; text: string }> = [];
  let counter = 0;
  return {
    push(level, message) {
      if (level !== "error" && level !== "warn" && level !== "fatal") return;
      lines.push({ at: ++counter, text: message.trim() });
      if (lines.length > capacity) lines.shift();
    },
    since: (mark) => lines.filter((l) => l.at > mark).map((l) => l.text),
    get mark() {
      return counter;
    },
  };
}

type NodeLlamaCpp = typeof import("node-llama-cpp");

async function importBinding(): Promise<NodeLlamaCpp> {
  try {
    return await import("node-llama-cpp");
  } catch (error) {
    throw new FrugalError("provider_error", `node-llama-cpp is not installed or failed to import: ${reason(error)}. Install node-llama-cpp 3.21.1`, {
      cause: error,
    });
  }
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error";
}

/**
 * One Llama instance per GPU setting. `build: "never"`: frugal runs on the prebuilt binaries node-llama-cpp ships and never
 * compiles llama.cpp at run time (minutes, a toolchain, network). With `gpu: "auto"` node-llama-cpp tries CUDA, then Vulkan,
 * then the CPU build, keeping the first one that loads on this machine.
 */
export async function loadLlama(gpu: GpuSetting, onLog: (level: string, message: string) => void): Promise<Llama> {
  const binding = await importBinding();
  try {
    return await binding.getLlama({
      gpu,
      build: "never",
      logLevel: binding.LlamaLogLevel.warn,
      // Library code never prints: llama.cpp's lines are kept for error messages instead of going to the console.
      logger: (level, message) => onLog(level, message),
    });
  } catch (error) {
    throw new FrugalError(
      "provider_error",
      `node-llama-cpp could not load a llama.cpp binary (gpu: ${String(gpu)}) for ${process.platform}-${process.arch}: ${reason(error)}. ` +
        "frugal never builds llama.cpp: reinstall node-llama-cpp 3.21.1 with its prebuilt binaries (npm ci), or set gpu: false",
      { cause: error, details: { gpu } },
    );
  }
}

/** Cheap checks before the native loader: a clear error for a missing file, a folder, or a file that is not GGUF at all. */
export async function checkGgufFile(modelPath: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(modelPath);
    if (info.isDirectory()) throw new FrugalError("model_file_invalid", `${modelPath}: is a folder, not a GGUF model file`, { details: { file: modelPath } });
    size = info.size;
  } catch (error) {
    if (error instanceof FrugalError) throw error;
    throw new FrugalError("file_not_found", `${modelPath}: GGUF model file not found`, { cause: error, details: { file: modelPath } });
  }
  const magic = Buffer.alloc(4);
  if (size >= 4) {
    const handle = await open(modelPath, "r");
    try {
      await handle.read(magic, 0, 4, 0);
    } finally {
      await handle.close();
    }
  }
  if (size < 4 || magic.toString("latin1") !== "GGUF") {
    throw new FrugalError("model_file_invalid", `${modelPath}: not a GGUF model file (${size < 4 ? `${size} bytes` : "it does not start with the GGUF magic bytes"})`, {
      details: { file: modelPath, size },
    });
  }
}

export async function loadGgufModel(llama: Llama, modelPath: string, log: NativeLog): Promise<LlamaModel> {
  await checkGgufFile(modelPath);
  const mark = log.mark;
  try {
    // gpuLayers "auto" offloads as many layers as fit in VRAM; on the CPU build there is nothing to offload.
    return await llama.loadModel({ modelPath, gpuLayers: llama.gpu === false ? 0 : "auto" });
  } catch (error) {
    // llama.cpp's log lines reach JS through a thread-safe callback, after the rejection: give them a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const nativeLines = log.since(mark).filter((l) => !l.startsWith("llama_model_load_from_file_impl"));
    const why = nativeLines.length > 0 ? nativeLines[nativeLines.length - 1] : reason(error);
    throw new FrugalError("model_file_invalid", `${modelPath}: GGUF model file is corrupt, truncated or unsupported: ${why}`, {
      cause: error,
      details: { file: modelPath, native: nativeLines },
    });
  }
}
