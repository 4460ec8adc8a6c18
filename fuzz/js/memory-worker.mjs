// The memory property (fuzz/js/properties.mjs `checkMemoryFlat`) in a worker thread: a fresh wasm
// instance of the package per run, gone with the worker. Started by `memoryFlatInWorker`.

import { parentPort, workerData } from "node:worker_threads";
import { checkMemoryFlat, loadPackage } from "./properties.mjs";

const { dir, calls, rounds } = workerData;
try {
  const pkg = await loadPackage(dir);
  parentPort.postMessage({ ok: true, result: await checkMemoryFlat(pkg, calls, rounds) });
} catch (error) {
  parentPort.postMessage({ ok: false, message: String(error?.stack ?? error) });
}
