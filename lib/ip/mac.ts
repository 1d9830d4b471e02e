/**
 * 48-bit Ethernet MAC addresses. Pure apart from randomMac, which reads the CSPRNG.
 */
import { IpParseError } from "./address.ts";

/** Six bytes. */
export type MacAddress = Uint8Array;

/** Parse "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff" (either case; one separator style). */
export function parseMac(text: string): MacAddress {
  if (typeof text !== "string" || !/^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(text)) {
    throw new IpParseError("MAC address", String(text), "expected six hex byte pairs separated by \":\" or \"-\"");
  }
  return Uint8Array.from(text.split(/[:-]/), (b) => parseInt(b, 16));
}

/** parseMac that returns undefined instead of throwing. */
export function tryParseMac(text: string): MacAddress | undefined {
  try {
    return parseMac(text);
  } catch {
    return undefined;
  }
}

/** Lowercase, colon separated. */
export function formatMac(mac: MacAddress): string {
  if (mac.length !== 6) throw new RangeError(`A MAC address has 6 bytes, not ${mac.length}`);
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** The I/G bit: set for multicast (and broadcast) addresses. */
export function isMulticastMac(mac: MacAddress): boolean {
  return ((mac[0] ?? 0) & 0x01) !== 0;
}

/** The U/L bit: set for locally administered addresses. */
export function isLocallyAdministeredMac(mac: MacAddress): boolean {
  return ((mac[0] ?? 0) & 0x02) !== 0;
}

/** A random locally administered unicast address (like the kernel's eth_random_addr). */
export function randomMac(): MacAddress {
  const mac = new Uint8Array(6);
  crypto.getRandomValues(mac);
  mac[0] = ((mac[0] ?? 0) & 0xfe) | 0x02;
  return mac;
}

export function macEquals(a: MacAddress, b: MacAddress): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
