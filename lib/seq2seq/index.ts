// The seed's Part 2 model and training loop (model.ts, train.ts) and the fused decoding loop.
export * from "./model";
export * from "./train";
export { decodeSequence } from "./fused";
