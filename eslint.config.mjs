// Lint: ESLint's and typescript-eslint's recommended rules over every source file. Formatting is
// Prettier's job (.prettierrc.json), so no stylistic rules here.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["dist/", "out/", "native/sgemm/build/", "test/artifacts/", "**/.ipynb_checkpoints/", ".scratch-*/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // a leading underscore marks a binding kept for its position (loop counters, callback arguments)
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
      // regexes that quote printed text keep its spacing visible as it is printed
      "no-regex-spaces": "off",
      // Prettier wraps code at 140 but leaves strings, templates and comments: this catches those.
      // A regex literal cannot be split without hiding what it matches, so it may run longer.
      "max-len": ["error", { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // fixtures stay as recorded (Prettier skips them too)
    files: ["test/fixtures/**"],
    rules: { "max-len": "off" },
  },
  {
    files: ["test/**"],
    rules: { "no-control-regex": "off" }, // tests match terminal escapes (\x1b) on purpose
  },
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" }, // plain CommonJS scripts run without a build step
  },
);
