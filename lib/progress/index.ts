export * from "./format";
export * from "./bar";
export * from "./live-chart";
