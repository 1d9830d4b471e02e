/**
 * Layering: native ← lib ← ipam ← plugins ← runtime. A module may import its own layer or a
 * lower one, never a higher one; production code never imports tests or benchmarks.
 */
const LAYERS = ["native", "lib", "ipam", "plugins", "runtime"];

const upward = LAYERS.flatMap((layer, i) => {
  const higher = LAYERS.slice(i + 1);
  if (higher.length === 0) return [];
  return [
    {
      name: `${layer}-imports-upward`,
      comment: `${layer}/ may import only ${LAYERS.slice(0, i + 1).join(", ")}: move shared code down instead`,
      severity: "error",
      from: { path: `^${layer}/` },
      to: { path: `^(${higher.join("|")})/` },
    },
  ];
});

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "no-tests-in-production",
      severity: "error",
      from: { path: `^(${LAYERS.join("|")})/`, pathNot: "\\.test\\.ts$" },
      to: { path: "^(test|bench)/|\\.test\\.ts$" },
    },
    {
      name: "ffi-only-in-native",
      comment: "Only native/ touches FFI (koffi, bun:ffi)",
      severity: "error",
      from: { pathNot: "^native/" },
      to: { path: "koffi|bun:ffi" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    exclude: { path: "^dist/" },
  },
};
