export { writeFileAtomic, type AtomicWriteOptions } from "./atomic.ts";
export { FileLock, LockTimeoutError, withLock, type LockOptions } from "./lock.ts";
