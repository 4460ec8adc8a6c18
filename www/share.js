// @ts-check
// The scenario as a link and in localStorage: JSON, compressed with CompressionStream("deflate-raw"),
// in base64url, in the URL fragment `#s=...` (a fragment never reaches a server). Runs in browsers and
// in Node 20+ (both have CompressionStream).

const PREFIX = "s=";
export const STORAGE_KEY = "job-token-scope/scenario";
/** The what-if draft (a GitLab world) of the stored scenario: it survives a reload. */
export const DRAFT_KEY = "job-token-scope/draft";
/** The Azure what-if draft (an Azure config), beside it. */
export const AZURE_DRAFT_KEY = "job-token-scope/azure-draft";

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("the link's scenario is not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The fragment (without `#`) that holds `scenario`. */
export async function encodeFragment(scenario) {
  const json = new TextEncoder().encode(JSON.stringify(scenario));
  return PREFIX + toBase64url(await pipe(json, new CompressionStream("deflate-raw")));
}

/** The scenario in `fragment` (with or without `#`), or null when the fragment holds none. Throws when it is damaged. */
export async function decodeFragment(fragment) {
  const text = fragment.replace(/^#/, "");
  if (!text.startsWith(PREFIX)) return null;
  let json;
  try {
    json = new TextDecoder("utf-8", { fatal: true }).decode(await pipe(fromBase64url(text.slice(PREFIX.length)), new DecompressionStream("deflate-raw")));
  } catch (err) {
    throw new Error(`the link's scenario cannot be decompressed (${err.message}); was it cut short?`);
  }
  return JSON.parse(json);
}

/** The stored scenario, or null. */
export function loadStored(storage = globalThis.localStorage) {
  try {
    const text = storage?.getItem(STORAGE_KEY);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export function store(scenario, storage = globalThis.localStorage) {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(scenario));
  } catch {
    // private mode or full storage: the link still holds the scenario
  }
}

/** The stored what-if draft (under `key`), or null. */
export function loadDraft(storage = globalThis.localStorage, key = DRAFT_KEY) {
  try {
    const text = storage?.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Keeps the what-if draft under `key` (null: there is none). @param {unknown} draft */
export function storeDraft(draft, storage = globalThis.localStorage, key = DRAFT_KEY) {
  try {
    if (draft) storage?.setItem(key, JSON.stringify(draft));
    else storage?.removeItem(key);
  } catch {
    // as for the scenario
  }
}
