/**
 * ipam/host-local — address allocation from local ranges, compatible with the reference
 * host-local plugin's configuration and on-disk state.
 */
export { hostLocalAdd, hostLocalCheck, hostLocalDel, hostLocalGc, hostLocalStatus, type GcReport, type HostLocalOptions } from "./host_local.ts";
export {
  DEFAULT_COOLDOWN_SECONDS,
  DEFAULT_DATA_DIR,
  parseHostLocalConfig,
  parseHostLocalLocation,
  type HostLocalConfig,
  type HostLocalLocation,
} from "./config.ts";
export { allocate, freeAddressCount, releaseOwner, type Allocation, type AllocationPolicy } from "./allocator.ts";
export { DiskStore, type DiskStoreOptions, type LoadInfo } from "./disk_store.ts";
export { readBootId } from "./disk_files.ts";
export { MemoryStore, type MemoryStoreOptions } from "./memory_store.ts";
export { parseResolvConf, readResolvConf } from "./dns.ts";
export type { Owner, Reservation, Store, StoreTx, TransactionOptions } from "./store.ts";
export type { Range, RangeSet } from "./range_set.ts";
