// The public `lab4/grading` entry: the check runtime a student's kernel loads (grading/runtime/).
export * from "./runtime/checkarr";
export * from "./runtime/lautils";
export * from "./runtime/marks";
export * from "./runtime/assert";
export { formatExp, formatFixed, pyRepr, floatHex, floatFromHex, floatFromString } from "./runtime/pyfloat";
export { pythonLower } from "./runtime/pystr";
