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
// ... and tf.buffer's set with its arguments swapped stops where it is written (lib/nn/buffer-guard.ts).
import { autoInstallBufferSetGuard } from "../nn/buffer-guard";
autoInstallBufferSetGuard();
