/**
 * berth's registry client: pull and push over the OCI distribution API v2, with token and basic
 * authentication, credentials in auth.json, and progress events for a display.
 */
export { pull, DEFAULT_CONCURRENCY, type BlobSink, type PullOptions, type PullResult } from "./pull.ts";
export { push, DEFAULT_CHUNK_SIZE, type BlobSource, type PushSource, type PushOptions, type PushResult } from "./push.ts";
export { login, logout, credentialsFrom, authFilePath, registryKey, AUTH_FILE } from "./credentials.ts";
export { RegistryClient, type ClientOptions, type CredentialLookup } from "./client.ts";
export type { Credentials } from "./auth.ts";
export { RegistryError, RegistryResponseError, DigestMismatchError, AbortedError, decodeErrors } from "./errors.ts";
export { TransportPolicyError, INSECURE_ENV, insecureRegistriesFromEnv, plainHttpAllowed, isLoopbackHost } from "./transport.ts";
export { TransportError } from "./http.ts";
export { MediaType, parseManifest, type Descriptor, type ImageManifest, type ImageIndex, type Platform } from "./manifest.ts";
export { parsePlatform, formatPlatform, selectPlatform, hostPlatform } from "./platform.ts";
export { progressRenderer, humanSize, type ProgressOutput, type ProgressRenderer } from "./progress.ts";
export type { TransferEvent, EventListener, BlobRole } from "./events.ts";
