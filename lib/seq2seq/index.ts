// The seed's Part 2 model and training loop (see model.ts, train.ts; fused.ts is internal).
export * from "./model";
export * from "./train";
