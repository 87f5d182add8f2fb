// Public API of the grading core; notebooks import it as `lab4/grading`.
export * from "./checkarr";
export * from "./lautils";
export * from "./marks";
export * from "./assert";
export { formatExp, formatFixed, pyRepr, floatHex, floatFromHex, floatFromString } from "./pyfloat";
export { pythonLower } from "./pystr";
