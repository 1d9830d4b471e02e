export { writeFileAtomic, type AtomicWriteOptions } from "./atomic.ts";
export { FileLock, LockTimeoutError, withLock, type LockOptions } from "./lock.ts";
export {
  AttachmentStore,
  DEFAULT_STATE_DIR,
  bootId,
  type AttachmentKey,
  type AttachmentRecord,
} from "./attachments.ts";
