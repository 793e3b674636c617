/* The survey form in the browser: skip logic, calculations, choice filters, constraint and
 * required messages, repeats, and one submission per click. The server checks everything
 * again; this only helps the respondent as they fill the form. */
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form || !window.DubanExpr) return;
  var X = window.DubanExpr;
  var SEP = "~";
  var msgRequired = form.getAttribute("data-msg-required");
  var msgConstraint = form.getAttribute("data-msg-constraint");
  var clock = {today: form.getAttribute("data-today"), now: form.getAttribute("data-now")};

  function questions(root) { return Array.prototype.slice.call((root || form).querySelectorAll(".survey-q")); }

  function valueOf(q) {
    var type = q.getAttribute("data-type");
    var field = q.getAttribute("data-field");
    var inputs = q.querySelectorAll("input, textarea");
    if (type === "select_one") {
      var picked = q.querySelector("input:checked");
      return picked ? picked.value : "";
    }
    if (type === "select_multiple") {
      return Array.prototype.map.call(q.querySelectorAll("input:checked"), function (i) { return i.value; }).join(" ");
    }
    if (type === "acknowledge") { return q.querySelector("input:checked") ? "OK" : ""; }
    for (var i = 0; i < inputs.length; i++) { if (inputs[i].name === field) return inputs[i].value.trim(); }
    return "";
  }

  function setValue(q, value) {
    if (valueOf(q) === value) return false;
    var input = q.querySelector("input[name='" + CSS.escape(q.getAttribute("data-field")) + "']");
    var type = q.getAttribute("data-type");
    if (type === "select_one" || type === "select_multiple") {
      var wanted = value.split(" ");
      q.querySelectorAll("input").forEach(function (i) { i.checked = wanted.indexOf(i.value) >= 0; });
    } else if (input && input.value !== value) { input.value = value; }
    return true;
  }

  /* The instance (repeat) a node belongs to, or null at the top level. */
  function instanceOf(el) { return el.parentElement ? el.parentElement.closest(".survey-instance") : null; }

  /* Each repeat field's answers in every instance, as the last scopeFor() found them, for
   * indexed-repeat(). */
  var repeatLists = {};

  function scopeFor(el) {
    var values = {};
    var lists = {};
    repeatLists = lists;
    questions().forEach(function (q) {
      var name = q.getAttribute("data-q");
      var inst = instanceOf(q);
      if (inst) {
        /* As on the server, an answer skipped by a condition counts as empty in sum() and count(). */
        (lists[name] = lists[name] || []).push(isRelevant(q) ? valueOf(q) : "");
      } else { values[name] = valueOf(q); }
    });
    Object.keys(lists).forEach(function (k) { if (!(k in values)) values[k] = lists[k]; });
    form.querySelectorAll(".survey-repeat").forEach(function (r) {
      values[r.getAttribute("data-repeat")] = Array.prototype.map.call(
        r.querySelector(".instances").children, function (_c, i) { return String(i + 1); });
    });
    var own = el && instanceOf(el);
    if (own) {
      questions(own).forEach(function (q) { if (instanceOf(q) === own) values[q.getAttribute("data-q")] = valueOf(q); });
    }
    return values;
  }

  /* What an expression of el sees: the answers, ".", the clock, the number of el's repeat
   * instance (position(..)) and every instance's answers (indexed-repeat()). */
  function context(el, values, current) {
    var inst = el ? instanceOf(el) : null;
    var position = inst ? Array.prototype.indexOf.call(inst.parentElement.children, inst) + 1 : 1;
    return {values: values, current: current, today: clock.today, now: clock.now, position: position,
            lists: repeatLists};
  }

  function truth(expr, values, current, el) {
    try {
      return X.toBoolean(X.evaluate(expr, context(el, values, current)));
    } catch (e) { return false; }
  }

  function text(expr, values, el) {
    try {
      var v = X.evaluate(expr, context(el, values));
      if (v === true) return "true";
      if (v === false) return "false";
      return X.toString(v);
    } catch (e) { return ""; }
  }

  function isRelevant(el) {
    for (var node = el; node && node !== form; node = node.parentElement) {
      if (node.hasAttribute && node.hasAttribute("data-relevant") && node.hidden) return false;
    }
    return true;
  }

  function refreshRepeats() {
    form.querySelectorAll(".survey-repeat[data-count]").forEach(function (r) {
      var n = parseInt(text(r.getAttribute("data-count"), scopeFor(r), r), 10);
      if (!(n >= 0)) n = 0;
      n = Math.min(n, 50);
      var box = r.querySelector(".instances");
      while (box.children.length > n) box.removeChild(box.lastElementChild);
      while (box.children.length < n) addInstance(r);
    });
  }

  function addInstance(r) {
    var box = r.querySelector(".instances");
    var index = box.children.length;
    var tpl = r.querySelector("template.instance-template");
    var html = tpl.innerHTML.split("__i__").join(String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    box.appendChild(holder.firstElementChild);
  }

  function renumber(r) {
    var name = r.getAttribute("data-repeat");
    Array.prototype.forEach.call(r.querySelector(".instances").children, function (inst, i) {
      var old = inst.getAttribute("data-instance");
      if (String(i) === old) return;
      inst.setAttribute("data-instance", String(i));
      var from = name + SEP + old + SEP, to = name + SEP + i + SEP;
      inst.querySelectorAll("[name],[data-field],[id],[for]").forEach(function (el) {
        ["name", "data-field", "id", "for"].forEach(function (a) {
          var v = el.getAttribute(a);
          if (v && v.indexOf(from) >= 0) el.setAttribute(a, v.split(from).join(to));
        });
      });
    });
  }

  /* Calculations and skip logic in dependency order: the form is walked again while a walk
   * changes anything. The server refuses a form whose values depend on themselves, so the walks
   * end, at the latest after one walk per calculation and condition, each settling one more
   * link of the longest chain (a = ${b} + 1 placed before b = ${c} + 1 before c = 1). */
  function refresh() {
    refreshRepeats();
    var walks = form.querySelectorAll("[data-calculate], [data-relevant]").length + 1;
    for (var pass = 0; pass < walks; pass++) {
      var changed = false;
      questions().forEach(function (q) {
        var calc = q.getAttribute("data-calculate");
        if (calc && (q.classList.contains("is-hidden") || q.querySelector("[readonly],[disabled]"))) {
          if (setValue(q, isRelevant(q) ? text(calc, scopeFor(q), q) : "")) changed = true;
        }
      });
      form.querySelectorAll("[data-relevant]").forEach(function (el) {
        var show = truth(el.getAttribute("data-relevant"), scopeFor(el), undefined, el);
        if (el.hidden === show) changed = true;
        el.hidden = !show;
        el.querySelectorAll("input, textarea, select").forEach(function (i) {
          if (!i.hasAttribute("aria-disabled")) i.disabled = !isRelevant(i);
        });
      });
      if (!changed) break;
    }
    questions().forEach(function (q) {
      var filter = q.getAttribute("data-choice-filter");
      if (!filter) return;
      var values = scopeFor(q);
      q.querySelectorAll(".choice[data-choice]").forEach(function (c) {
        var attrs = JSON.parse(c.getAttribute("data-attrs") || "{}");
        var local = Object.assign({}, values);
        Object.keys(attrs).forEach(function (k) { local["__choice_" + k] = attrs[k]; });
        var keep = truth(filter, local, undefined, q);
        c.hidden = !keep;
        var input = c.querySelector("input");
        if (!keep && input.checked) input.checked = false;
      });
    });
    var all = scopeFor(null);
    form.querySelectorAll("[data-output]").forEach(function (o) {
      var inst = instanceOf(o);
      var values = inst ? scopeFor(o) : all;
      var v = values[o.getAttribute("data-output")];
      o.textContent = Array.isArray(v) ? v.join(", ") : (v || "");
    });
  }

  function problem(q) {
    if (!isRelevant(q) || q.classList.contains("is-hidden")) return "";
    var type = q.getAttribute("data-type");
    if (type === "note" || type === "unsupported") return "";
    var value = valueOf(q);
    var values = scopeFor(q);
    var required = q.getAttribute("data-required");
    if (value === "") {
      return required && truth(required, values, undefined, q) ? (q.getAttribute("data-required-msg") || msgRequired) : "";
    }
    var constraint = q.getAttribute("data-constraint");
    if (constraint && !truth(constraint, values, value, q)) {
      return q.getAttribute("data-constraint-msg") || msgConstraint;
    }
    return "";
  }

  function show(q, message) {
    var box = q.querySelector(".error.live");
    if (!box) return;
    box.textContent = message.replace(/\$\{([A-Za-z_][\w.\-]*)\}/g, function (_m, name) {
      var v = scopeFor(q)[name];
      return Array.isArray(v) ? v.join(", ") : (v || "");
    });
    box.hidden = !message;
    q.classList.toggle("has-error", !!message);
  }

  form.addEventListener("input", function (event) {
    refresh();
    var q = event.target.closest(".survey-q");
    if (q) show(q, valueOf(q) === "" ? "" : problem(q));
  });
  form.addEventListener("change", function (event) {
    refresh();
    var q = event.target.closest(".survey-q");
    if (q) show(q, problem(q));
  });
  form.addEventListener("click", function (event) {
    var add = event.target.closest(".add-instance");
    var remove = event.target.closest(".remove-instance");
    if (add) { addInstance(add.closest(".survey-repeat")); refresh(); }
    if (remove) {
      var r = remove.closest(".survey-repeat");
      remove.closest(".survey-instance").remove();
      renumber(r);
      refresh();
    }
  });
  var sent = false;
  form.addEventListener("submit", function (event) {
    refresh();
    var first = null;
    questions().forEach(function (q) {
      var p = problem(q);
      show(q, p);
      if (p && !first) first = q;
    });
    if (first) {
      event.preventDefault();
      first.scrollIntoView({block: "center"});
      return;
    }
    if (sent) { event.preventDefault(); return; }
    sent = true;  /* a double click sends once; the server also stores a render only once */
    document.getElementById("survey-submit").disabled = true;
  });
  /* Back brings the page again with the answers the browser kept, restored after this script ran
     (or the page as it was left, sent and disabled): show what those answers make relevant, and let
     the page be sent again (the server answers a second send of one rendering as already received). */
  window.addEventListener("pageshow", function () {
    sent = false;
    document.getElementById("survey-submit").disabled = false;
    refresh();
  });
  refresh();
})();
