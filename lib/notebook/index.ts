/**
 * What ties the library to a tslab kernel: rich displays and short error reports. Importing this
 * installs nothing; the package entry (lib/index.ts) turns the short errors on in a kernel.
 */
export * from "./display";
export * from "./friendly-errors";
