// Notebook I/O and nbgrader metadata, shared by the CLI, the grading pipeline and the scripts.
export * from "./nbformat";
export * from "./marks";
export * from "./nbgrader";
export * from "./regions";
export * from "./release";
