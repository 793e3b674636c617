/*
 * Evaluates the differential test's cases (test_odk_reference.py) with the ODK ecosystem's
 * evaluators — Enketo's openrosa-xpath-evaluator and ODK Web Forms' @getodk/xpath — over an
 * XForm instance in jsdom, and with Duban's browser evaluator (plugins/survey/static/survey/
 * expressions.js). Reads {worlds, cases} as JSON on stdin; writes one result per case:
 * {enketo, odk, duban}, each {value} or {error}.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { JSDOM } = require("jsdom");

const dom = new JSDOM("");
for (const name of ["Node", "Element", "Document", "Attr", "Text", "XPathResult", "XPathEvaluator",
  "DOMParser", "XMLDocument", "NodeFilter", "document"]) {
  globalThis[name] = dom.window[name];
}
// The bundled tree-sitter runtime looks for its directory as CommonJS does; its grammar is inline.
globalThis.__dirname = here;
const { XFormsXPathEvaluator, DEFAULT_DOM_ADAPTER } = await import("@getodk/xpath");
const openrosaXPath = require("openrosa-xpath-evaluator");
const DubanExpr = require(path.join(here, "..", "..", "..", "..", "plugins", "survey", "static", "survey",
  "expressions.js"));

const input = JSON.parse(readFileSync(0, "utf8"));

function escapeXml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function instanceXml(world, spec) {
  const top = spec.top.map((name) => `<${name}>${escapeXml(world[name])}</${name}>`).join("");
  const instances = [];
  for (let i = 0; i < spec.instances; i++) {
    instances.push(`<${spec.repeat}>` + spec.repeatFields.map((name) =>
      `<${name}>${escapeXml(world[name][i])}</${name}>`).join("") + `</${spec.repeat}>`);
  }
  return `<data id="duban_reference">${top}${instances.join("")}<meta><instanceID/></meta></data>`;
}

const RESULT_TYPES = {string: 2, boolean: 3};

function read(result, readAs) {
  return readAs === "boolean" ? result.booleanValue : result.stringValue;
}

function attempt(run) {
  try {
    return {value: run()};
  } catch (error) {
    return {error: String((error && error.message) || error).slice(0, 200)};
  }
}

const documents = input.worlds.map((world) => {
  const doc = new dom.window.DOMParser().parseFromString(instanceXml(world, input.spec), "text/xml");
  const odk = new XFormsXPathEvaluator({
    domAdapter: DEFAULT_DOM_ADAPTER, rootNode: doc,
    itextTranslationsByLanguage: new Map(), secondaryInstancesById: new Map(),
  });
  const top = doc.getElementsByTagName(input.spec.currentTop)[0];
  const instance = doc.getElementsByTagName(input.spec.repeat)[input.spec.contextInstance - 1];
  const inRepeat = instance.getElementsByTagName(input.spec.currentRepeat)[0];
  return {doc, odk, contexts: {top, rep: inRepeat}};
});
const enketo = openrosaXPath();

const results = input.cases.map((item) => {
  const world = documents[item.world];
  const node = world.contexts[item.context];
  const type = RESULT_TYPES[item.read_as];
  const fromEnketo = attempt(() => read(enketo.evaluate(item.xpath, node, null, type, null), item.read_as));
  const fromOdk = attempt(() => read(world.odk.evaluate(item.xpath, node, null, type), item.read_as));
  const fromDuban = attempt(() => {
    const value = DubanExpr.evaluate(item.expr, item.duban_context);
    return item.read_as === "boolean" ? DubanExpr.toBoolean(value) : DubanExpr.toString(value);
  });
  return {enketo: fromEnketo, odk: fromOdk, duban: fromDuban};
});
process.stdout.write(JSON.stringify(results));
