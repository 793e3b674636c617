#!/usr/bin/env node
/*
 * Runs the shared expression cases through the browser implementation and prints one JSON
 * result per case, in order, for test_expressions.py to compare:
 *   {"value": <normalised value>}  or  {"error": {"msgid": ..., "position": ...}}
 *
 *   node expressions_node_runner.js [cases.json]
 */
"use strict";

const fs = require("fs");
const path = require("path");

const DubanExpr = require(path.join(__dirname, "..", "..", "..", "plugins", "survey", "static",
  "survey", "expressions.js"));

// The same encoding as normalise() in test_expressions.py: JSON cannot hold NaN or dates.
function normalise(value) {
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return {number: "NaN"};
    if (!Number.isFinite(value)) return {number: value > 0 ? "Infinity" : "-Infinity"};
    return value === 0 ? 0 : value;
  }
  if (value instanceof DubanExpr.DDate) return {date: DubanExpr.toString(value)};
  if (value instanceof DubanExpr.DDateTime) return {datetime: DubanExpr.toString(value)};
  return value;
}

function run(testCase) {
  try {
    const value = DubanExpr.evaluate(testCase.expr, {
      values: testCase.values || {},
      current: testCase.current,
      today: testCase.today,
      now: testCase.now,
    });
    return {value: normalise(value)};
  } catch (error) {
    if (!(error instanceof DubanExpr.ExpressionError)) {
      return {crash: String(error && error.stack || error)};
    }
    return {error: {msgid: error.msgid, position: error.position}};
  }
}

const casesPath = process.argv[2] || path.join(__dirname, "expression_cases.json");
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
process.stdout.write(JSON.stringify(cases.map(run)) + "\n");
