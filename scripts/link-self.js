// tslab ignores tsconfig and refuses imports outside the notebook folder, so notebooks import the
// project by its package name. This links node_modules/lab4 -> the repository root (idempotent).
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "lab4");
fs.mkdirSync(path.dirname(link), { recursive: true });
try {
  if (fs.readlinkSync(link) === "..") process.exit(0);
  fs.unlinkSync(link);
} catch {
  /* no link yet */
}
fs.symlinkSync("..", link, "dir");
