export * from "./display";
export * from "./charts";
