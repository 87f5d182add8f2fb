// Public API of the grading core; notebooks import it as `lab4/grading`.
export {};
