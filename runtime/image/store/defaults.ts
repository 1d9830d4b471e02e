/** Default root of berth's image store (`--root` and BERTH_ROOT override it). Kept apart so the CLI can name it without loading the store. */
export const DEFAULT_ROOT = "/var/lib/berth";
