export { SysctlError, sysctlGet, sysctlPath, sysctlSet } from "./sysctl.ts";
