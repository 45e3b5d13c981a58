// Builds Staffwell's committed front-end assets from the npm packages pinned in package-lock.json.
// Run through `make assets` (npm ci + this script). The outputs are committed, so `make test`
// and `make demo` never need node.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const modules = join(here, "node_modules");
const staticDir = join(root, "static");

function version(pkg) {
  return JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version;
}

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

const css = sass.compile(join(here, "staffwell.scss"), {
  loadPaths: [here, modules],
  style: "compressed",
  // GOV.UK Frontend's own deprecation notices are for its maintainers, not for this build.
  quietDeps: true,
});
if (/GDS Transport|govuk-crest|\.woff/.test(css.css)) {
  throw new Error("staffwell.css would ship GOV.UK-only assets (GDS Transport, crest): check staffwell.scss");
}
mkdirSync(join(staticDir, "css"), { recursive: true });
writeFileSync(join(staticDir, "css", "staffwell.css"), css.css + "\n");

copy(join(modules, "govuk-frontend/dist/govuk/govuk-frontend.min.js"), join(staticDir, "js/govuk-frontend.min.js"));
// The script names its source map; the manifest storage used in production (collectstatic)
// fails on a reference to a missing file, so the map ships beside it.
copy(join(modules, "govuk-frontend/dist/govuk/govuk-frontend.min.js.map"), join(staticDir, "js/govuk-frontend.min.js.map"));
copy(join(modules, "htmx.org/dist/htmx.min.js"), join(staticDir, "js/htmx.min.js"));
copy(join(modules, "axe-core/axe.min.js"), join(root, "tests/browser/vendor/axe.min.js"));
// The npm package carries no licence file; ours is the upstream repository's LICENSE.txt.
copy(join(here, "licences/govuk-frontend.LICENSE.txt"), join(staticDir, "licences/govuk-frontend.LICENSE.txt"));
copy(join(modules, "htmx.org/LICENSE"), join(staticDir, "licences/htmx.LICENSE.txt"));
copy(join(modules, "axe-core/LICENSE"), join(root, "tests/browser/vendor/axe-core.LICENSE.txt"));

const lines = [
  "# Vendored front-end files",
  "",
  "Built by `make assets` (`npm ci` and `npm run build` in `frontend/`) from the versions pinned in",
  "`frontend/package-lock.json`. Do not edit these files by hand: change `frontend/` and rebuild.",
  "",
  "| file | from npm package | version | licence |",
  "|---|---|---|---|",
  `| static/css/staffwell.css | govuk-frontend (compiled with sass ${version("sass")} from frontend/staffwell.scss) | ${version("govuk-frontend")} | MIT |`,
  `| static/js/govuk-frontend.min.js | govuk-frontend | ${version("govuk-frontend")} | MIT |`,
  `| static/js/htmx.min.js | htmx.org | ${version("htmx.org")} | 0BSD |`,
  `| tests/browser/vendor/axe.min.js | axe-core | ${version("axe-core")} | MPL-2.0 |`,
  "",
  "Licence texts are in `static/licences/` and `tests/browser/vendor/`.",
  "",
  "No GOV.UK-only assets ship: the GDS Transport typeface, the crown, the crest and the GOV.UK name",
  "are licensed to GOV.UK services only. `staffwell.scss` sets a system font stack, turns the",
  "default font face off and leaves the GOV.UK header and footer out; the build fails if the CSS",
  "would refer to any of them.",
  "",
  "htmx stays on the 2.x line: django-htmx and most published examples target htmx 2.",
  "",
];
writeFileSync(join(staticDir, "VENDORED.md"), lines.join("\n"));
console.log("built static/css/staffwell.css", `(${css.css.length} bytes)`);
