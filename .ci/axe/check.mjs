// Runs axe-core in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) over the pages given, in light and dark colour schemes.
// Usage: node check.mjs URL... [--shots DIR NAME=URL...] (127.0.0.1 only)
// Exit status 1 when any page has a violation.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const args = process.argv.slice(2);
const shotsAt = args.indexOf("--shots");
const urls = shotsAt < 0 ? args : args.slice(0, shotsAt);
const shotDir = shotsAt < 0 ? null : args[shotsAt + 1];
const shots = shotsAt < 0 ? [] : args.slice(shotsAt + 2).map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)]);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  timeout: 60_000,
});
let violations = 0;
try {
  // One context for both schemes: the owner's session (LOGIN_URL, a one-time
  // sign-in link) is opened once. bypassCSP: the pages forbid inline
  // scripts, and axe is injected as one.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 760, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  // Only the local servers: no request leaves the machine.
  await page.route("**/*", (route) =>
    new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort());
  if (process.env.LOGIN_URL) {
    await page.goto(process.env.LOGIN_URL, { waitUntil: "load" });
  }
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const url of urls) {
      await page.goto(url, { waitUntil: "load" });
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(() =>
        window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
      violations += result.violations.length;
      const label = `${scheme.padEnd(5)} ${url}`;
      if (result.violations.length === 0) {
        console.log(`${label}: 0 violations (${result.passes.length} rules passed)`);
      }
      for (const v of result.violations) {
        console.log(`${label}: ${v.id} (${v.impact}): ${v.help}`);
        for (const n of v.nodes.slice(0, 5)) console.log(`    ${n.target.join(" ")}: ${n.failureSummary.replace(/\n/g, " ")}`);
      }
    }
    for (const [name, url] of shots) {
      await page.goto(url, { waitUntil: "load" });
      await page.screenshot({ path: `${shotDir}/${name}-${scheme}.png` });
    }
  }
} finally {
  await browser.close();
}
console.log(`axe-core: ${violations} violation(s)`);
process.exit(violations === 0 ? 0 : 1);
