/*
 * Duban survey forms: the XLSForm expression language in the browser.
 *
 * A line-for-line counterpart of plugins/survey/expressions/ (lexer.py, parser.py,
 * evaluator.py, functions.py); the server's answer is authoritative, this copy only lets the
 * form react while it is filled.  tests/plugins/survey/expression_cases.json is run against
 * both.  Plain ES2017, no dependencies, no eval.
 *
 *   DubanExpr.evaluate("${age} >= 18", {values: {age: "20"}})          // true
 *   DubanExpr.toBoolean(DubanExpr.evaluate(relevant, {values: answers}))
 *   DubanExpr.references("${a} + ${b}")                                // ["a", "b"]
 *
 * Values: strings, numbers, booleans, DubanExpr.DDate / DDateTime (today(), now(), date()),
 * arrays (a repeat's answers).  Select-multiple answers are space-separated strings.
 * Context: {values, current, today: "YYYY-MM-DD" | Date, now: "YYYY-MM-DDTHH:MM:SS" | Date}.
 * Errors are DubanExpr.ExpressionError with msgid, params and position; fill
 * DubanExpr.messages (msgid -> translated text) to show them in the user's language.
 */
(function (root) {
  "use strict";

  var MAX_LENGTH = 2000;
  var MAX_DEPTH = 50;
  var MAX_REGEX_LENGTH = 200;
  var MS_PER_DAY = 86400000;
  var XML_SPACE = " \t\r\n";
  var SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" +
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

  // ---------------------------------------------------------------------------------------
  // Errors
  // ---------------------------------------------------------------------------------------

  function interpolate(text, params) {
    return text.replace(/%\(([a-z_]+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : whole;
    });
  }

  class ExpressionError extends Error {
    constructor(msgid, params) {
      params = params || {};
      super(interpolate(DubanExpr.messages[msgid] || msgid, params));
      this.name = "ExpressionError";
      this.msgid = msgid;
      this.params = params;
      this.position = params.position === undefined ? null : params.position;
    }
  }

  function fail(msgid, params) {
    throw new ExpressionError(msgid, params);
  }

  // ---------------------------------------------------------------------------------------
  // Lexer (positions are 1-based and count code points, as Python does)
  // ---------------------------------------------------------------------------------------

  function isAsciiDigit(c) { return c !== undefined && c >= "0" && c <= "9"; }

  function isNameStart(c) {
    if (c === undefined) return false;
    if (c.charCodeAt(0) < 128) return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
    return SPACES.indexOf(c) < 0;
  }

  function isNameChar(c) {
    return isNameStart(c) || (c !== undefined && "0123456789-.".indexOf(c) >= 0);
  }

  function stripXml(text) {
    var start = 0, end = text.length;
    while (start < end && XML_SPACE.indexOf(text[start]) >= 0) start++;
    while (end > start && XML_SPACE.indexOf(text[end - 1]) >= 0) end--;
    return text.slice(start, end);
  }

  function token(kind, text, position) { return {kind: kind, text: text, position: position}; }

  function describe(tok) {
    if (tok.kind !== "end") return "'" + tok.text + "'";
    return DubanExpr.messages["end of expression"] || "end of expression";
  }

  function checkName(name, position) {
    var chars = Array.from(name);
    if (!chars.length || !isNameStart(chars[0]) || !chars.every(isNameChar)) {
      fail("Invalid field name %(name)s at position %(position)s.",
        {name: "'" + name + "'", position: position});
    }
  }

  function indexOfChar(chars, c, from) {
    for (var k = from; k < chars.length; k++) if (chars[k] === c) return k;
    return -1;
  }

  function tokenize(expr) {
    var chars = Array.from(expr);
    var n = chars.length;
    if (n > MAX_LENGTH) {
      fail("The expression is too long (%(length)s characters; the limit is %(limit)s).",
        {length: n, limit: MAX_LENGTH});
    }
    var tokens = [];
    var i = 0;
    while (i < n) {
      var c = chars[i];
      var pos = i + 1;
      var j, end;
      if (XML_SPACE.indexOf(c) >= 0) {
        i += 1;
      } else if (isAsciiDigit(c) || (c === "." && isAsciiDigit(chars[i + 1]))) {
        j = i;
        while (isAsciiDigit(chars[j])) j++;
        if (chars[j] === ".") { j++; while (isAsciiDigit(chars[j])) j++; }
        tokens.push(token("number", chars.slice(i, j).join(""), pos));
        i = j;
      } else if (c === ".") {
        if (chars[i + 1] === ".") {
          tokens.push(token("parent", "..", pos));
          i += 2;
          continue;
        }
        tokens.push(token("current", ".", pos));
        i += 1;
      } else if (c === "'" || c === "\"") {
        end = indexOfChar(chars, c, i + 1);
        if (end < 0) fail("Unterminated string starting at position %(position)s.", {position: pos});
        tokens.push(token("string", chars.slice(i + 1, end).join(""), pos));
        i = end + 1;
      } else if (c === "$") {
        if (chars[i + 1] !== "{") {
          fail("Unexpected character %(char)s at position %(position)s.", {char: "'$'", position: pos});
        }
        end = indexOfChar(chars, "}", i + 2);
        if (end < 0) {
          fail("Unterminated field reference starting at position %(position)s.", {position: pos});
        }
        var name = stripXml(chars.slice(i + 2, end).join(""));
        checkName(name, pos);
        tokens.push(token("ref", name, pos));
        i = end + 1;
      } else if (c === "/") {
        i = absolutePath(chars, i, tokens);
      } else if (isNameStart(c)) {
        j = i + 1;
        while (j < n && (isNameChar(chars[j]) || chars[j] === ":")) j++;
        tokens.push(token("name", chars.slice(i, j).join(""), pos));
        i = j;
      } else if ("+-*=".indexOf(c) >= 0) {
        tokens.push(token("op", c, pos));
        i += 1;
      } else if ("<>!".indexOf(c) >= 0) {
        if (chars[i + 1] === "=") {
          tokens.push(token("op", c + "=", pos));
          i += 2;
        } else if (c === "!") {
          fail("Unexpected character %(char)s at position %(position)s.", {char: "'!'", position: pos});
        } else {
          tokens.push(token("op", c, pos));
          i += 1;
        }
      } else if (c === "(" || c === ")" || c === ",") {
        tokens.push(token(c, c, pos));
        i += 1;
      } else {
        fail("Unexpected character %(char)s at position %(position)s.",
          {char: "'" + c + "'", position: pos});
      }
    }
    tokens.push(token("end", "", n + 1));
    return tokens;
  }

  function absolutePath(chars, i, tokens) {
    var start = i, n = chars.length, last = "";
    while (i < n && chars[i] === "/") {
      var j = i + 1;
      while (j < n && isNameChar(chars[j])) j++;
      last = chars.slice(i + 1, j).join("");
      if (!last || !isNameStart(last[0])) {
        fail("Invalid path %(path)s at position %(position)s; refer to fields as ${name}.",
          {path: "'" + chars.slice(start, j).join("") + "'", position: start + 1});
      }
      i = j;
    }
    tokens.push(token("ref", last, start + 1));
    return i;
  }

  // ---------------------------------------------------------------------------------------
  // Parser
  // ---------------------------------------------------------------------------------------

  var BINDING_POWER = {
    "or": 10, "and": 20, "=": 30, "!=": 30, "<": 40, "<=": 40, ">": 40, ">=": 40,
    "+": 50, "-": 50, "*": 60, "div": 60, "mod": 60
  };
  var UNARY_POWER = 70;
  var WORD_OPERATORS = ["and", "or", "div", "mod"];

  function binaryOperator(tok) {
    if (tok.kind === "op" || (tok.kind === "name" && WORD_OPERATORS.indexOf(tok.text) >= 0)) {
      return tok.text;
    }
    return null;
  }

  function unexpected(tok) {
    if (tok.kind === "end") {
      return new ExpressionError("Unexpected end of expression at position %(position)s.",
        {position: tok.position});
    }
    return new ExpressionError("Unexpected %(token)s at position %(position)s.",
      {token: describe(tok), position: tok.position});
  }

  function Parser(expr) {
    this.tokens = tokenize(expr);
    this.index = 0;
    this.depth = 0;
  }

  Parser.prototype.peek = function () { return this.tokens[this.index]; };

  Parser.prototype.advance = function () {
    var tok = this.tokens[this.index];
    if (tok.kind !== "end") this.index += 1;
    return tok;
  };

  Parser.prototype.expect = function (kind, expected) {
    var tok = this.advance();
    if (tok.kind !== kind) {
      fail("Expected %(expected)s at position %(position)s but found %(token)s.",
        {expected: expected, position: tok.position, token: describe(tok)});
    }
    return tok;
  };

  Parser.prototype.enter = function (tok) {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) {
      fail("The expression is nested too deeply (more than %(limit)s levels) at position " +
        "%(position)s.", {limit: MAX_DEPTH, position: tok.position});
    }
  };

  Parser.prototype.parse = function () {
    var node = this.expression(0);
    if (this.peek().kind !== "end") throw unexpected(this.peek());
    return node;
  };

  Parser.prototype.expression = function (rightPower) {
    var left = this.prefix();
    for (;;) {
      var tok = this.peek();
      var op = binaryOperator(tok);
      if (op === null || BINDING_POWER[op] <= rightPower) return left;
      this.advance();
      left = {type: "binary", position: tok.position, op: op, left: left,
        right: this.expression(BINDING_POWER[op])};
    }
  };

  Parser.prototype.prefix = function () {
    var tok = this.advance();
    var node;
    switch (tok.kind) {
      case "number":
        return {type: "literal", position: tok.position, value: Number(tok.text)};
      case "string":
        return {type: "literal", position: tok.position, value: tok.text};
      case "ref":
        return {type: "ref", position: tok.position, name: tok.text};
      case "current":
        return {type: "current", position: tok.position};
      case "parent":
        fail("Relative paths such as '..' are not supported (position %(position)s); " +
          "refer to fields as ${name}.", {position: tok.position});
      case "op":
        if (tok.text !== "-") break;
        this.enter(tok);
        node = {type: "negate", position: tok.position, operand: this.expression(UNARY_POWER)};
        this.depth -= 1;
        return node;
      case "(":
        this.enter(tok);
        node = this.expression(0);
        this.expect(")", "')'");
        this.depth -= 1;
        return node;
      case "name":
        if (WORD_OPERATORS.indexOf(tok.text) >= 0) break;
        if (this.peek().kind === "(") return this.call(tok);
        fail("Unknown name %(name)s at position %(position)s; refer to fields as ${%(name)s}.",
          {name: tok.text, position: tok.position});
    }
    throw unexpected(tok);
  };

  Parser.prototype.call = function (name) {
    if (UNSUPPORTED.indexOf(name.text) >= 0) {
      fail("The function %(name)s() is not supported in Duban forms (position %(position)s).",
        {name: name.text, position: name.position});
    }
    if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, name.text)) {
      fail("Unknown function %(name)s() at position %(position)s.",
        {name: name.text, position: name.position});
    }
    this.enter(name);
    this.advance();
    var args = [];
    if (name.text === "position" && this.peek().kind === "parent") {
      args.push({type: "parent", position: this.advance().position});
    } else if (this.peek().kind !== ")") {
      args.push(this.expression(0));
      while (this.peek().kind === ",") {
        this.advance();
        args.push(this.expression(0));
      }
    }
    this.expect(")", "')'");
    this.depth -= 1;
    checkArity(name, args.length);
    if (name.text === "position" && args[0].type !== "parent") {
      fail("position() reads only the repeat instance around the field: write position(..) " +
        "(position %(position)s).", {position: name.position});
    }
    if (name.text === "indexed-repeat" && !(args[0].type === "ref" && args[1].type === "ref")) {
      fail("indexed-repeat() takes a field of a repeat and the repeat, as " +
        "indexed-repeat(${field}, ${repeat}, number) (position %(position)s).", {position: name.position});
    }
    if (name.text === "regex" && args[1].type === "literal") {
      try {
        checkRegex(typeof args[1].value === "string" ? args[1].value : "");
      } catch (error) {
        if (error instanceof ExpressionError) error.position = args[1].position;
        throw error;
      }
    }
    return {type: "call", position: name.position, name: name.text, args: args};
  };

  function checkArity(name, given) {
    var fewest = FUNCTIONS[name.text][0], most = FUNCTIONS[name.text][1];
    if (fewest <= given && (most === null || given <= most)) return;
    var params = {name: name.text, given: given, position: name.position, min: fewest};
    if (most === null) {
      fail("%(name)s() takes at least %(min)s arguments, not %(given)s (position %(position)s).", params);
    }
    if (fewest === most) {
      fail("%(name)s() takes %(min)s arguments, not %(given)s (position %(position)s).", params);
    }
    params.max = most;
    fail("%(name)s() takes %(min)s to %(max)s arguments, not %(given)s (position %(position)s).", params);
  }

  var cache = new Map();

  /** Parse an expression into a syntax tree (cached); throws ExpressionError. */
  function parse(expr) {
    var node = cache.get(expr);
    if (node === undefined) {
      node = new Parser(expr).parse();
      if (cache.size >= 4096) cache.clear();
      cache.set(expr, node);
    }
    return node;
  }

  function walk(node, found) {
    found.push(node);
    if (node.type === "negate") walk(node.operand, found);
    else if (node.type === "binary") { walk(node.left, found); walk(node.right, found); }
    else if (node.type === "call") node.args.forEach(function (arg) { walk(arg, found); });
    return found;
  }

  /** The field names an expression reads, sorted. */
  function references(expr) {
    var node = typeof expr === "string" ? parse(expr) : expr;
    var names = new Set();
    walk(node, []).forEach(function (found) { if (found.type === "ref") names.add(found.name); });
    return Array.from(names).sort();
  }

  // ---------------------------------------------------------------------------------------
  // Values, conversions, dates
  // ---------------------------------------------------------------------------------------

  /** A date: whole days since 1970-01-01. */
  class DDate {
    constructor(days) { this.days = days; }
    toString() { return toString(this); }
  }

  /** A wall-clock date and time: milliseconds since 1970-01-01T00:00 (no timezone). */
  class DDateTime {
    constructor(ms) { this.ms = ms; }
    toString() { return toString(this); }
  }

  function isDate(v) { return v instanceof DDate || v instanceof DDateTime; }

  function daysFromCivil(y, m, d) {
    y -= m <= 2 ? 1 : 0;
    var era = Math.floor(y / 400);
    var yoe = y - era * 400;
    var doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
  }

  function civilFromDays(z) {
    z += 719468;
    var era = Math.floor(z / 146097);
    var doe = z - era * 146097;
    var yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) -
      Math.floor(doe / 146096)) / 365);
    var doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    var mp = Math.floor((5 * doy + 2) / 153);
    var d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    var m = mp + (mp < 10 ? 3 : -9);
    return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
  }

  var MIN_DAY = daysFromCivil(1, 1, 1);
  var MAX_DAY = daysFromCivil(9999, 12, 31);

  function validDate(y, m, d) {
    if (y < 1 || m < 1 || m > 12 || d < 1) return false;
    var leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  }

  var DATE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
  var DATETIME_RE = new RegExp("^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})" +
    "(?::([0-9]{2})(?:\\.([0-9]{1,9}))?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$");
  var NUMBER_RE = /^[ \t\r\n]*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))[ \t\r\n]*$/;

  function parseDate(text) {
    text = stripXml(text);
    var match = DATE_RE.exec(text);
    if (match) {
      var y = +match[1], m = +match[2], d = +match[3];
      return validDate(y, m, d) ? new DDate(daysFromCivil(y, m, d)) : null;
    }
    match = DATETIME_RE.exec(text);
    if (match) {
      var year = +match[1], month = +match[2], day = +match[3];
      var hour = +match[4], minute = +match[5], second = +(match[6] || 0);
      var millis = +((match[7] || "0").slice(0, 3) + "00").slice(0, 3);
      if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
      return new DDateTime(daysFromCivil(year, month, day) * MS_PER_DAY +
        ((hour * 60 + minute) * 60 + second) * 1000 + millis);
    }
    return null;
  }

  function dayNumber(v) { return v instanceof DDate ? v.days : v.ms / MS_PER_DAY; }

  function fromDayNumber(days) {
    if (!isFinite(days)) return null;
    if (days === Math.floor(days)) {
      return days >= MIN_DAY && days <= MAX_DAY ? new DDate(days) : null;
    }
    var millis = Math.floor(days * MS_PER_DAY + 0.5);
    var whole = Math.floor(millis / MS_PER_DAY);
    return whole >= MIN_DAY && whole <= MAX_DAY ? new DDateTime(millis) : null;
  }

  function parts(v) {
    var days = v instanceof DDate ? v.days : Math.floor(v.ms / MS_PER_DAY);
    var rest = v instanceof DDate ? 0 : v.ms - days * MS_PER_DAY;
    var ymd = civilFromDays(days);
    return {
      year: ymd[0], month: ymd[1], day: ymd[2], weekday: (((days % 7) + 7 + 3) % 7),
      hour: Math.floor(rest / 3600000), minute: Math.floor(rest / 60000) % 60,
      second: Math.floor(rest / 1000) % 60, millis: rest % 1000
    };
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) text = "0" + text;
    return text;
  }

  function isoDate(p) { return pad(p.year, 4) + "-" + pad(p.month, 2) + "-" + pad(p.day, 2); }

  function fromJsDate(d, withTime) {
    var days = daysFromCivil(d.getFullYear(), d.getMonth() + 1, d.getDate());
    if (!withTime) return new DDate(days);
    return new DDateTime(days * MS_PER_DAY + ((d.getHours() * 60 + d.getMinutes()) * 60 +
      d.getSeconds()) * 1000 + d.getMilliseconds());
  }

  function toValue(raw) {
    if (raw === null || raw === undefined) return "";
    if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") return raw;
    if (isDate(raw)) return raw;
    if (raw instanceof Date) return fromJsDate(raw, true);
    if (Array.isArray(raw)) return raw.map(toValue);
    return String(raw);
  }

  function scalar(v) {
    if (Array.isArray(v)) return v.length ? scalar(v[0]) : "";
    return v;
  }

  function toString(v) {
    v = scalar(v);
    if (typeof v === "string") return v;
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return String(v);
    var p = parts(v);
    if (v instanceof DDate) return isoDate(p);
    return isoDate(p) + "T" + pad(p.hour, 2) + ":" + pad(p.minute, 2) + ":" + pad(p.second, 2) +
      "." + pad(p.millis, 3);
  }

  function toNumber(v) {
    v = scalar(v);
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    if (isDate(v)) return dayNumber(v);
    var match = NUMBER_RE.exec(v);
    if (match) return Number(match[1]);
    var parsed = parseDate(v);
    return parsed === null ? NaN : dayNumber(parsed);
  }

  function toBoolean(v) {
    if (Array.isArray(v)) return v.length > 0;
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return !(v === 0 || isNaN(v));
    if (typeof v === "string") return v !== "";
    return true;
  }

  function toDate(v) {
    v = scalar(v);
    if (isDate(v)) return v;
    if (typeof v === "string") return parseDate(v);
    if (typeof v === "boolean") return null;
    return fromDayNumber(v);
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

  function formatDate(v, pattern) {
    var moment = toDate(v);
    if (moment === null) return "";
    var p = parts(moment);
    var codes = {
      Y: pad(p.year, 4), y: pad(p.year % 100, 2), m: pad(p.month, 2), n: String(p.month),
      b: MONTHS[p.month - 1], d: pad(p.day, 2), e: String(p.day), a: WEEKDAYS[p.weekday],
      H: pad(p.hour, 2), h: String(p.hour), M: pad(p.minute, 2), S: pad(p.second, 2),
      "3": pad(p.millis, 3), "%": "%"
    };
    var out = "";
    for (var i = 0; i < pattern.length;) {
      if (pattern[i] === "%" && i + 1 < pattern.length &&
          Object.prototype.hasOwnProperty.call(codes, pattern[i + 1])) {
        out += codes[pattern[i + 1]];
        i += 2;
      } else {
        out += pattern[i];
        i += 1;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // Regular expressions: a linear-time matcher, as RE2 on the server
  // ---------------------------------------------------------------------------------------
  //
  // The browser's RegExp backtracks: a*a*a*a*a*a*b on 55 characters takes seconds. Patterns
  // are compiled here to a Thompson automaton and run by keeping the set of states alive at
  // each character, which takes time linear in the answer whatever the pattern. What it reads
  // is what the server lets through (functions.check_regex): literals, ., classes with ranges
  // and \d \w \s \D \W \S, ^ $ \b \B, groups (capturing or (?:)), |, and * + ? {n} {n,} {n,m}
  // (lazy or not: only whether there is a match counts). Look-arounds and back-references,
  // which RE2 cannot run, are refused as the server refuses them.

  function regexError(pattern) {
    return new ExpressionError("The regular expression %(pattern)s is not valid.", {pattern: "'" + pattern + "'"});
  }

  function lookaroundError(pattern, reason) {
    return new ExpressionError("The regular expression %(pattern)s uses a look-around or a back-reference, " +
      "which Duban's linear-time matcher cannot run (%(reason)s).", {pattern: "'" + pattern + "'", reason: reason});
  }

  function unsupportedRegex(pattern, construct) {
    return new ExpressionError("The regular expression %(pattern)s uses %(construct)s, which Duban does not support.",
      {pattern: "'" + pattern + "'", construct: "'" + construct + "'"});
  }

  var FOREIGN_ESCAPES = "AZzGCpPQE";
  var OUTSIDE_COMMON = /\\.|(\(\?(?:P?<[^=!]|[a-zA-Z]))|(\{,)|([*+?}]\+)/g;

  function checkRegex(pattern) {
    if (pattern.length > MAX_REGEX_LENGTH) {
      fail("The regular expression is too long (%(length)s characters; the limit is %(limit)s).",
        {length: pattern.length, limit: MAX_REGEX_LENGTH});
    }
    var match;
    OUTSIDE_COMMON.lastIndex = 0;
    while ((match = OUTSIDE_COMMON.exec(pattern)) !== null) {
      var text = match[0];
      if (text.charAt(0) === "\\") {
        if (FOREIGN_ESCAPES.indexOf(text.charAt(1)) >= 0) throw unsupportedRegex(pattern, text);
        continue;
      }
      throw unsupportedRegex(pattern, text.slice(0, 3));
    }
  }

  function isWordChar(c) {
    return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c === "_");
  }

  var CLASS_ESCAPES = {
    d: function (c) { return c >= "0" && c <= "9"; },
    w: isWordChar,
    s: function (c) { return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f"; }
  };
  var CHAR_ESCAPES = {t: "\t", n: "\n", r: "\r", f: "\f", v: "\v", a: "\x07", e: "\x1b"};

  function RegexParser(pattern) {
    this.pattern = pattern;
    this.chars = Array.from(pattern);
    this.i = 0;
  }

  RegexParser.prototype.peek = function () { return this.chars[this.i]; };

  RegexParser.prototype.parse = function () {
    var node = this.alternation();
    if (this.i < this.chars.length) throw regexError(this.pattern);
    return node;
  };

  RegexParser.prototype.alternation = function () {
    var options = [this.sequence()];
    while (this.peek() === "|") { this.i++; options.push(this.sequence()); }
    return options.length === 1 ? options[0] : {t: "alt", items: options};
  };

  RegexParser.prototype.sequence = function () {
    var items = [];
    while (this.i < this.chars.length && this.peek() !== "|" && this.peek() !== ")") {
      items.push(this.quantified());
    }
    return {t: "seq", items: items};
  };

  RegexParser.prototype.quantified = function () {
    var atom = this.atom();
    for (;;) {
      var c = this.peek(), min, max;
      if (c === "*") { min = 0; max = Infinity; this.i++; }
      else if (c === "+") { min = 1; max = Infinity; this.i++; }
      else if (c === "?") { min = 0; max = 1; this.i++; }
      else if (c === "{") {
        var m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(this.chars.slice(this.i).join(""));
        if (!m) return atom;  // a literal brace
        min = parseInt(m[1], 10);
        max = m[2] === undefined ? min : (m[3] === "" ? Infinity : parseInt(m[3], 10));
        if (max < min || min > 1000 || (max !== Infinity && max > 1000)) throw regexError(this.pattern);
        this.i += m[0].length;
      } else return atom;
      if (atom.t === "assert" || atom.t === "empty-rep") throw regexError(this.pattern);
      if (this.peek() === "?") this.i++;  // lazy: the same matches, only found in another order
      atom = {t: "rep", node: atom, min: min, max: max};
    }
  };

  RegexParser.prototype.escape = function (inClass) {
    var c = this.chars[this.i++];
    if (c === undefined) throw regexError(this.pattern);
    if (c >= "1" && c <= "9" && !inClass) throw lookaroundError(this.pattern, "invalid escape sequence: \\" + c);
    var lower = c.toLowerCase();
    if (CLASS_ESCAPES[lower]) {
      var test = CLASS_ESCAPES[lower];
      return c === lower ? test : function (ch) { return !test(ch); };
    }
    if (c === "x") {
      var hex = this.chars.slice(this.i, this.i + 2).join("");
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw regexError(this.pattern);
      this.i += 2;
      return String.fromCharCode(parseInt(hex, 16));
    }
    if (CHAR_ESCAPES[c]) return CHAR_ESCAPES[c];
    if (/[A-Za-z0-9]/.test(c) && !(inClass && c === "b")) throw regexError(this.pattern);
    return c;
  };

  RegexParser.prototype.atom = function () {
    var c = this.chars[this.i++];
    if (c === "(") {
      if (this.peek() === "?") {
        var kind = this.chars[this.i + 1];
        if (kind === ":") { this.i += 2; }
        else throw lookaroundError(this.pattern, "invalid perl operator: (?" + (kind || ""));
      }
      var inner = this.alternation();
      if (this.chars[this.i++] !== ")") throw regexError(this.pattern);
      return inner;
    }
    if (c === ")" || c === "*" || c === "+" || c === "?") throw regexError(this.pattern);
    if (c === "[") return this.charClass();
    if (c === ".") return {t: "char", test: function (ch) { return ch !== "\n"; }};
    if (c === "^") return {t: "assert", at: "start"};
    if (c === "$") return {t: "assert", at: "end"};
    if (c === "\\") {
      if (this.peek() === "b" || this.peek() === "B") {
        return {t: "assert", at: this.chars[this.i++] === "b" ? "word" : "not-word"};
      }
      var escaped = this.escape(false);
      return typeof escaped === "function" ? {t: "char", test: escaped} : {t: "char", test: equalTo(escaped)};
    }
    return {t: "char", test: equalTo(c)};
  };

  function equalTo(c) { return function (ch) { return ch === c; }; }

  RegexParser.prototype.charClass = function () {
    var negated = false, tests = [], first = true;
    if (this.peek() === "^") { negated = true; this.i++; }
    for (;;) {
      var c = this.chars[this.i++];
      if (c === undefined) throw regexError(this.pattern);
      if (c === "]" && !first) break;
      first = false;
      var low = c === "\\" ? this.escape(true) : c;
      if (typeof low === "function") { tests.push(low); continue; }
      if (this.peek() === "-" && this.chars[this.i + 1] !== "]" && this.chars[this.i + 1] !== undefined) {
        this.i++;
        var h = this.chars[this.i++];
        var high = h === "\\" ? this.escape(true) : h;
        if (typeof high === "function" || high < low) throw regexError(this.pattern);
        tests.push(rangeTest(low, high));
      } else tests.push(equalTo(low));
    }
    return {t: "char", test: function (ch) {
      var found = tests.some(function (test) { return test(ch); });
      return ch !== undefined && found !== negated;
    }};
  };

  function rangeTest(low, high) { return function (ch) { return ch >= low && ch <= high; }; }

  /* The automaton: states are {t: "char", test, next} | {t: "split", a, b} |
   * {t: "assert", at, next} | {t: "match"}; bounded repeats are unrolled (at most 1000). */
  function buildAutomaton(node, next) {
    switch (node.t) {
      case "char": return {t: "char", test: node.test, next: next};
      case "assert": return {t: "assert", at: node.at, next: next};
      case "seq":
        for (var k = node.items.length - 1; k >= 0; k--) next = buildAutomaton(node.items[k], next);
        return next;
      case "alt":
        var entry = buildAutomaton(node.items[node.items.length - 1], next);
        for (var j = node.items.length - 2; j >= 0; j--) entry = {t: "split", a: buildAutomaton(node.items[j], next), b: entry};
        return entry;
      default: {  // rep
        var tail = next;
        if (node.max === Infinity) {
          var loop = {t: "split", a: null, b: next};
          loop.a = buildAutomaton(node.node, loop);
          tail = loop;
        } else {
          for (var m = node.max - node.min; m > 0; m--) tail = {t: "split", a: buildAutomaton(node.node, tail), b: next};
        }
        for (var n = 0; n < node.min; n++) tail = buildAutomaton(node.node, tail);
        return tail;
      }
    }
  }

  function assertionHolds(at, chars, i) {
    if (at === "start") return i === 0;
    if (at === "end") return i === chars.length;
    var boundary = isWordChar(chars[i - 1]) !== isWordChar(chars[i]);
    return at === "word" ? boundary : !boundary;
  }

  function LinearRegex(start) { this.start = start; }

  /* Whether the pattern matches anywhere in text: every state alive at each position, once. */
  LinearRegex.prototype.test = function (text) {
    var chars = Array.from(text), generation = 0, current = [];
    var self = this;
    function add(list, state, i) {
      var stack = [state];
      while (stack.length) {
        var s = stack.pop();
        if (s.seen === generation) continue;
        s.seen = generation;
        if (s.t === "split") { stack.push(s.b, s.a); }
        else if (s.t === "assert") { if (assertionHolds(s.at, chars, i)) stack.push(s.next); }
        else list.push(s);
      }
    }
    for (var i = 0; i <= chars.length; i++) {
      generation = {};  // a fresh mark per position
      var next = [];
      current.forEach(function (s) { next.push(s); });
      current = [];
      next.forEach(function (s) { add(current, s, i); });
      add(current, self.start, i);
      for (var k = 0; k < current.length; k++) if (current[k].t === "match") return true;
      if (i === chars.length) break;
      var moved = [];
      current.forEach(function (s) { if (s.t === "char" && s.test(chars[i])) moved.push(s.next); });
      current = moved;
    }
    return false;
  };

  var regexCache = new Map();

  function compileRegex(pattern) {
    var compiled = regexCache.get(pattern);
    if (compiled === undefined) {
      checkRegex(pattern);
      compiled = new LinearRegex(buildAutomaton(new RegexParser(pattern).parse(), {t: "match"}));
      if (regexCache.size >= 256) regexCache.clear();
      regexCache.set(pattern, compiled);
    }
    return compiled;
  }

  // ---------------------------------------------------------------------------------------
  // Functions
  // ---------------------------------------------------------------------------------------

  function flatten(args) {
    var out = [];
    args.forEach(function (arg) { if (Array.isArray(arg)) out.push.apply(out, arg); else out.push(arg); });
    return out;
  }

  function choices(v) {
    return toString(v).split(/[ \t\r\n]+/).filter(function (part) { return part !== ""; });
  }

  /* A substr() offset: truncated, counted from the end when negative, kept inside the text;
   * null for NaN (nothing is taken). */
  function offset(v, length) {
    var number = toNumber(v);
    if (isNaN(number)) return null;
    var at = Math.max(-1e15, Math.min(1e15, Math.trunc(number)));
    if (at < 0) at += length;
    return Math.max(0, Math.min(at, length));
  }

  function substr(args) {
    var chars = Array.from(toString(args[0]));
    var start = offset(args[1], chars.length);
    var end = args.length > 2 ? offset(args[2], chars.length) : chars.length;
    if (start === null || end === null || end < start) return "";
    return chars.slice(start, end).join("");
  }

  function isSelected(answer, choice) {
    var list = choices(answer);
    return (list.length ? list : [""]).indexOf(choice) >= 0;
  }

  function selectedAt(args) {
    var list = choices(args[0]);
    var at = toNumber(args[1]);
    if (!isFinite(at) || at < 0 || at >= list.length) return "";
    return list[Math.floor(at)];
  }

  /* ODK round(x, n): halves go away from zero (round(-2.5) is -3), n may be negative. */
  function roundNumber(number, digits) {
    if (digits === undefined) digits = 0;
    if (isNaN(digits) || isNaN(number)) return NaN;
    if (!isFinite(number)) return number;
    var scale = Math.pow(10, Math.max(-400, Math.min(400, digits)));
    var shifted = Math.abs(number) * scale;
    var rounded = isFinite(shifted) ? Math.round(shifted) : shifted;
    var result = scale === 0 ? (rounded === 0 ? NaN : Infinity) : rounded / scale;
    return number < 0 ? -result : result;
  }

  function power(base, exponent) {
    if (isNaN(exponent) || (Math.abs(base) === 1 && !isFinite(exponent))) return NaN;
    if (isFinite(exponent) && exponent === Math.floor(exponent) && Math.abs(exponent) <= Math.pow(2, 53)) {
      // Integer powers by squaring, exactly as functions.power does them.
      var result = 1, factor = base, remaining = Math.abs(exponent);
      while (remaining) {
        if (remaining % 2) result *= factor;
        factor *= factor;
        remaining = Math.floor(remaining / 2);
      }
      return exponent >= 0 ? result : 1 / result;
    }
    return Math.pow(base, exponent);
  }

  function extreme(args, pick) {
    var numbers = flatten(args).map(toNumber);
    if (!numbers.length || numbers.some(function (x) { return isNaN(x); })) return NaN;
    return numbers.reduce(pick);
  }

  function currentOr(args, ctx) { return args.length ? args[0] : ctx.currentValue(); }

  function before(text, sep) { var k = text.indexOf(sep); return k < 0 ? "" : text.slice(0, k); }

  function after(text, sep) { var k = text.indexOf(sep); return k < 0 ? "" : text.slice(k + sep.length); }

  // name: [fewest arguments, most arguments or null, implementation]; "if" and "coalesce"
  // are evaluated lazily in evalCall.
  var FUNCTIONS = {
    "if": [3, 3, null],
    "coalesce": [2, null, null],
    "once": [1, 1, function (a) { return a[0]; }],
    "not": [1, 1, function (a) { return !toBoolean(a[0]); }],
    "true": [0, 0, function () { return true; }],
    "false": [0, 0, function () { return false; }],
    "boolean": [1, 1, function (a) { return toBoolean(a[0]); }],
    "boolean-from-string": [1, 1, function (a) { var s = toString(a[0]); return s === "true" || s === "1"; }],
    "string": [0, 1, function (a, c) { return toString(currentOr(a, c)); }],
    "number": [0, 1, function (a, c) { return toNumber(currentOr(a, c)); }],
    "int": [1, 1, function (a) { return Math.trunc(toNumber(a[0])); }],
    "round": [1, 2, function (a) { return roundNumber.apply(null, a.map(toNumber)); }],
    "floor": [1, 1, function (a) { return Math.floor(toNumber(a[0])); }],
    "ceiling": [1, 1, function (a) { return Math.ceil(toNumber(a[0])); }],
    "abs": [1, 1, function (a) { return Math.abs(toNumber(a[0])); }],
    "pow": [2, 2, function (a) { return power(toNumber(a[0]), toNumber(a[1])); }],
    "sqrt": [1, 1, function (a) { return Math.sqrt(toNumber(a[0])); }],
    "pi": [0, 0, function () { return Math.PI; }],
    "min": [1, null, function (a) { return extreme(a, function (x, y) { return y < x ? y : x; }); }],
    "max": [1, null, function (a) { return extreme(a, function (x, y) { return y > x ? y : x; }); }],
    "sum": [1, 1, function (a) { return flatten(a).reduce(function (t, v) { return t + toNumber(v); }, 0); }],
    // A list is a repeat's answers; any other value is a single node.
    "count": [1, 1, function (a) { return Array.isArray(a[0]) ? a[0].length : 1; }],
    "selected": [2, 2, function (a) { return isSelected(a[0], stripXml(toString(a[1]))); }],
    "count-selected": [1, 1, function (a) { return choices(a[0]).length; }],
    "selected-at": [2, 2, selectedAt],
    "string-length": [0, 1, function (a, c) { return Array.from(toString(currentOr(a, c))).length; }],
    "normalize-space": [0, 1, function (a, c) { return choices(currentOr(a, c)).join(" "); }],
    "concat": [0, null, function (a) { return a.map(toString).join(""); }],
    "join": [1, null, function (a) { return flatten(a.slice(1)).map(toString).join(toString(a[0])); }],
    "substr": [2, 3, substr],
    "substring-before": [2, 2, function (a) { return before(toString(a[0]), toString(a[1])); }],
    "substring-after": [2, 2, function (a) { return after(toString(a[0]), toString(a[1])); }],
    "contains": [2, 2, function (a) { return toString(a[0]).indexOf(toString(a[1])) >= 0; }],
    "starts-with": [2, 2, function (a) { return toString(a[0]).startsWith(toString(a[1])); }],
    "ends-with": [2, 2, function (a) { return toString(a[0]).endsWith(toString(a[1])); }],
    "regex": [2, 2, function (a) { return compileRegex(toString(a[1])).test(toString(a[0])); }],
    "position": [1, 1, function (a, c) { return c.position; }],
    "indexed-repeat": [3, 3, null],
    "today": [0, 0, function (a, c) { return c.todayDate(); }],
    "now": [0, 0, function (a, c) { return c.nowDateTime(); }],
    "date": [1, 1, function (a) {
      var moment = toDate(a[0]);
      /* date('7'): a count of days, as ODK reads it */
      if (moment === null && typeof scalar(a[0]) === "string") moment = fromDayNumber(toNumber(a[0]));
      if (moment === null) return "";
      return moment instanceof DDate ? moment : new DDate(Math.floor(moment.ms / MS_PER_DAY));
    }],
    "decimal-date-time": [1, 1, function (a) { return toDate(a[0]) ? toNumber(a[0]) : NaN; }],
    "format-date": [2, 2, function (a) { return formatDate(a[0], toString(a[1])); }],
    "format-date-time": [2, 2, function (a) { return formatDate(a[0], toString(a[1])); }]
  };

  var UNSUPPORTED = [
    "jr:choice-name", "jr:itext", "pulldata", "instance",
    "current", "randomize", "random", "uuid", "digest", "area", "distance", "geofence",
    "checklist", "weighted-checklist", "last", "sin", "cos", "tan", "asin", "acos", "atan",
    "atan2", "exp", "exp10", "log", "log10", "translate", "substring", "version", "property",
    "encrypt-string", "base64-decode", "decimal-time", "date-time"
  ];

  // ---------------------------------------------------------------------------------------
  // Evaluator
  // ---------------------------------------------------------------------------------------

  function contextDate(raw, withTime) {
    if (raw instanceof Date) return fromJsDate(raw, withTime);
    if (isDate(raw)) return raw;
    if (typeof raw === "string") {
      var parsed = parseDate(raw);
      if (parsed !== null) return parsed;
    }
    return null;
  }

  function Context(options) {
    options = options || {};
    this.values = options.values || {};
    this.current = options.current;
    this.position = options.position === undefined ? 1 : options.position;
    this.lists = options.lists || {};
    this.today = contextDate(options.today, false);
    this.now = contextDate(options.now, true);
  }

  /* A field's answer as XPath reads a path: a node-set (an array), which a repeat's answers
   * already are; an unknown name is no node at all. */
  function nodeSet(raw) {
    if (Array.isArray(raw)) return raw.map(toValue);
    return [toValue(raw)];
  }

  Context.prototype.answer = function (name) {
    return Object.prototype.hasOwnProperty.call(this.values, name) ? nodeSet(this.values[name]) : [];
  };

  Context.prototype.currentValue = function () { return [toValue(this.current)]; };

  /* indexed-repeat(${name}, ${repeat}, index): the field's node in the index-th instance. */
  Context.prototype.indexedRepeat = function (name, index) {
    var own = Object.prototype.hasOwnProperty.call(this.lists, name) ? this.lists[name] :
      (Object.prototype.hasOwnProperty.call(this.values, name) ? this.values[name] : []);
    var answers = Array.isArray(own) ? own : [own];
    var number = toNumber(index);
    if (!isFinite(number) || number < 1 || number >= answers.length + 1) return [];
    return [toValue(answers[Math.floor(number) - 1])];
  };

  Context.prototype.todayDate = function () {
    if (this.today !== null) return this.today instanceof DDate ? this.today : new DDate(Math.floor(this.today.ms / MS_PER_DAY));
    if (this.now !== null) return new DDate(Math.floor(this.nowDateTime().ms / MS_PER_DAY));
    return fromJsDate(new Date(), false);
  };

  Context.prototype.nowDateTime = function () {
    if (this.now !== null) return this.now instanceof DDateTime ? this.now : new DDateTime(this.now.days * MS_PER_DAY);
    return fromJsDate(new Date(), true);
  };

  /* XPath comparisons (1.0 section 3.4): a node-set (an array) compares existentially, and
   * against a boolean counts as whether it has nodes. */
  function scalarEquals(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") return toBoolean(a) === toBoolean(b);
    if (typeof a === "number" || typeof b === "number") return toNumber(a) === toNumber(b);
    if (isDate(a) || isDate(b)) {
      var da = isDate(a) ? a : parseDate(a), db = isDate(b) ? b : parseDate(b);
      if (da !== null && db !== null) return dayNumber(da) === dayNumber(db);
    }
    return toString(a) === toString(b);
  }

  function nodes(list) {
    var out = [];
    list.forEach(function (item) { if (Array.isArray(item)) out.push.apply(out, nodes(item)); else out.push(item); });
    return out;
  }

  function equality(left, right, same) {
    if (Array.isArray(left) && Array.isArray(right)) {
      var others = nodes(right).map(toString);
      return nodes(left).some(function (node) {
        var text = toString(node);
        return others.some(function (other) { return (text === other) === same; });
      });
    }
    if (Array.isArray(right)) { var swap = left; left = right; right = swap; }
    if (Array.isArray(left)) {
      if (typeof right === "boolean") return (left.length > 0 === right) === same;
      return nodes(left).some(function (node) { return scalarEquals(node, right) === same; });
    }
    return scalarEquals(left, right) === same;
  }

  function equals(left, right) { return equality(left, right, true); }

  var RELATIONS = {
    "<": function (x, y) { return x < y; },
    "<=": function (x, y) { return x <= y; },
    ">": function (x, y) { return x > y; },
    ">=": function (x, y) { return x >= y; }
  };

  function relation(apply, left, right) {
    if (Array.isArray(left)) {
      if (typeof right === "boolean") return apply(left.length ? 1 : 0, right ? 1 : 0);
      var rights = Array.isArray(right) ? nodes(right).map(toNumber) : [toNumber(right)];
      return nodes(left).some(function (node) {
        var x = toNumber(node);
        return rights.some(function (y) { return apply(x, y); });
      });
    }
    if (Array.isArray(right)) {
      if (typeof left === "boolean") return apply(left ? 1 : 0, right.length ? 1 : 0);
      var first = toNumber(left);
      return nodes(right).some(function (node) { return apply(first, toNumber(node)); });
    }
    return apply(toNumber(left), toNumber(right));
  }

  function evalBinary(node, ctx) {
    var op = node.op;
    if (op === "and") return toBoolean(evalNode(node.left, ctx)) && toBoolean(evalNode(node.right, ctx));
    if (op === "or") return toBoolean(evalNode(node.left, ctx)) || toBoolean(evalNode(node.right, ctx));
    var left = evalNode(node.left, ctx), right = evalNode(node.right, ctx);
    if (op === "=") return equality(left, right, true);
    if (op === "!=") return equality(left, right, false);
    if (RELATIONS[op]) return relation(RELATIONS[op], left, right);
    var x = toNumber(left), y = toNumber(right);
    switch (op) {
      case "+": return x + y;
      case "-": return x - y;
      case "*": return x * y;
      case "div": return x / y;
      default: return x % y;
    }
  }

  function evalCall(node, ctx) {
    if (node.name === "if") {
      return evalNode(toBoolean(evalNode(node.args[0], ctx)) ? node.args[1] : node.args[2], ctx);
    }
    if (node.name === "indexed-repeat") {
      return ctx.indexedRepeat(node.args[0].name, evalNode(node.args[2], ctx));
    }
    if (node.name === "position") return ctx.position;
    if (node.name === "coalesce") {
      for (var k = 0; k < node.args.length; k++) {
        var value = evalNode(node.args[k], ctx);
        if (toString(value) !== "") return value;
      }
      return "";
    }
    var args = node.args.map(function (arg) { return evalNode(arg, ctx); });
    try {
      return FUNCTIONS[node.name][2](args, ctx);
    } catch (error) {
      if (error instanceof ExpressionError && error.position === null) {
        error.position = node.args[node.args.length - 1].position;
      }
      throw error;
    }
  }

  function evalNode(node, ctx) {
    switch (node.type) {
      case "literal": return node.value;
      case "ref": return ctx.answer(node.name);
      case "current": return ctx.currentValue();
      case "negate": return -toNumber(evalNode(node.operand, ctx));
      case "binary": return evalBinary(node, ctx);
      case "call": return evalCall(node, ctx);
    }
    throw new TypeError("not an expression node");
  }

  /**
   * Evaluate an expression (text or a tree from parse) against
   * {values, current, today, now}; returns a string, number, boolean, DDate, DDateTime or
   * array.  Throws ExpressionError for syntax errors and unsafe regular expressions only.
   */
  function evaluate(expr, context) {
    var node = typeof expr === "string" ? parse(expr) : expr;
    return evalNode(node, new Context(context));
  }

  var DubanExpr = {
    parse: parse,
    evaluate: evaluate,
    references: references,
    toBoolean: toBoolean,
    toNumber: toNumber,
    toString: toString,
    ExpressionError: ExpressionError,
    DDate: DDate,
    DDateTime: DDateTime,
    messages: {}
  };

  if (root) root.DubanExpr = DubanExpr;
  if (typeof module === "object" && module && module.exports) module.exports = DubanExpr;
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : this));
