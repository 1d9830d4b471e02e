export {
  Netns,
  NETNS_RUN_DIR,
  bindNetns,
  createNamedNetns,
  currentNetns,
  deleteNamedNetns,
  isNetnsPath,
  pathExists,
  unpinNetns,
  withNetns,
} from "./netns.ts";
