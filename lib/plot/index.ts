export * from "./display";
export * from "./render";
export * from "./charts";
export * from "./pca";
export * from "./embedding";
export * from "./marks";
export * from "./friendly-errors";

// Inside a tslab kernel, errors print short (see friendly-errors.ts); LAB4_DEBUG=1 opts out.
import { autoInstallFriendlyErrors } from "./friendly-errors";
autoInstallFriendlyErrors();
