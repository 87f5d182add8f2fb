// The public `lab4/grading` entry: the check runtime a student's kernel loads (grading/runtime/).
export * from "./runtime";
