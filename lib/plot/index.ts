export * from "./render";
export * from "./charts";
export * from "./pca";
export * from "./embedding";
export * from "./marks";
