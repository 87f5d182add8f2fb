// Public API of the lab library; notebooks import it as `lab4` (see scripts/link-self.js).
// Each area adds its own `export *` line here.
export * from "./random";
export * from "./nn/module";
export * from "./plot";
export * from "./profile";
export * from "./data/files";
export * from "./data/dataset";
export * from "./data/tweets";
export * from "./text/preprocess";
export * from "./text/counter";
export * from "./word2vec/vocab";
export * from "./word2vec/data";
export * from "./text/spacy";
export * from "./torchtext";
export * from "./engine";
export * from "./nn/onehot";
export * from "./nn/linear";
export * from "./nn/embedding";
export * from "./nn/losses";
export * from "./optim/adam";
export * from "./nn/dropout";
export * from "./nn/init";
export * from "./nn/lstm";
export * from "./optim/clip";
export * from "./seq2seq";
export * from "./checkpoint";
