// The check runtime a student's kernel loads; grading/index.ts (the public `lab4/grading`) re-exports it.
export * from "./checkarr";
export * from "./lautils";
export * from "./marks";
export * from "./assert";
export { formatExp, formatFixed, pyRepr, floatHex, floatFromHex, floatFromString } from "./pyfloat";
export { pythonLower } from "./pystr";
