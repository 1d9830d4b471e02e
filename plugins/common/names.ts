/** Deterministic names for host-side links, derived from the attachment they belong to. */

/** FNV-1a, 64 bit: stable across runs and engines, and needs no crypto module at start-up. */
export function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

/**
 * "veth" + 11 hex digits of a hash of (network, container ID, ifname): the same attachment always
 * gets the same host-side name, so DEL finds it even when ADD was killed before it wrote anything.
 */
export function hostVethName(network: string, containerId: string, ifname: string): string {
  return `veth${fnv1a64(`${network}\0${containerId}\0${ifname}`).toString(16).padStart(16, "0").slice(0, 11)}`;
}

/** The alias berth puts on links it owns: proof of ownership for DEL and GC. */
export function ownerAlias(network: string, containerId: string, ifname: string): string {
  return `berth:${network}/${containerId}/${ifname}`;
}
