/* Schema designer: validation rules per field (pattern, minimum, maximum, the role a field
 * plays in the cross-field checks) and the checks panel. designer.js owns the fields; this
 * reads and writes the rule keywords of one field's JSON Schema, and the root "x-validation"
 * block from the roles the fields carry (so renaming or deleting a field keeps the block
 * right). The server (parsers.schema / parsers.rules) validates all of it.
 */
(function () {
  "use strict";

  var AMOUNT_ROLES = [["net", "Net amount (before tax)"], ["tax", "Tax amount"], ["gross", "Gross total (with tax)"]];
  var TEXT_ROLES = [["issuer", "Issuer (who sent it)"], ["document_number", "Document number"]];
  var DATE_ROLES = [["document_date", "Document date"], ["in_range", "Check against the document date"]];
  var COLUMN_ROLES = [["quantity", "Quantity"], ["unit_price", "Unit price"], ["amount", "Line amount"]];
  var ROOT_ROLES = ["issuer", "document_number", "document_date", "net", "tax", "gross"];
  var el = null;  // designer.js's element builder

  function defaults() { return { sum_to: "", days_before: 0, days_after: 365 }; }

  function rolesFor(field, inList) {
    if (inList) return field.kind === "number" || field.kind === "integer" ? COLUMN_ROLES : [];
    if (field.kind === "text") return TEXT_ROLES;
    if (field.kind === "number") return AMOUNT_ROLES;
    if (field.kind === "integer") return AMOUNT_ROLES.concat([TEXT_ROLES[1]]);
    if (field.kind === "date") return DATE_ROLES;
    return [];
  }

  // --- one field's keywords ------------------------------------------------------------------

  function read(field, spec) {
    field.pattern = typeof spec.pattern === "string" ? spec.pattern : "";
    field.minimum = typeof spec.minimum === "number" ? String(spec.minimum) : "";
    field.maximum = typeof spec.maximum === "number" ? String(spec.maximum) : "";
    field.role = "";
  }

  function number(text) {
    var value = Number(String(text).trim());
    return String(text).trim() !== "" && isFinite(value) ? value : null;
  }

  /* Kept on the kinds the schema allows them on, whether or not the designer shows them for
     that kind (a pattern on a choice list typed in the JSON view is not dropped). */
  function write(field, out) {
    var numeric = field.kind === "number" || field.kind === "integer" ||
      (field.kind === "choice" && (field.enumType === "number" || field.enumType === "integer"));
    if (field.pattern && !numeric && ["text", "date", "choice"].indexOf(field.kind) >= 0) out.pattern = field.pattern;
    if (numeric) {
      if (number(field.minimum) !== null) out.minimum = number(field.minimum);
      if (number(field.maximum) !== null) out.maximum = number(field.maximum);
    }
  }

  function kindChanged(field, inList) {
    var allowed = rolesFor(field, inList).map(function (r) { return r[0]; });
    if (field.kind === "list") allowed = ["line_items"];
    if (allowed.indexOf(field.role) < 0) field.role = "";
  }

  // --- the x-validation block <-> roles on fields ----------------------------------------------

  function walk(fields, prefix, visit, inList) {
    fields.forEach(function (field) {
      var path = prefix ? prefix + "." + field.name : field.name;
      visit(field, path, inList);
      if (field.kind === "group") walk(field.children, path, visit, inList);
      if (field.kind === "list") walk(field.children, "", visit, field);
    });
  }

  function applyBlock(fields, block, settings) {
    Object.assign(settings, defaults());
    if (!block || typeof block !== "object") return;
    var roles = block.roles && typeof block.roles === "object" ? block.roles : {};
    var lines = block.line_items && typeof block.line_items === "object" ? block.line_items : {};
    var range = block.date_range && typeof block.date_range === "object" ? block.date_range : {};
    var inRange = Array.isArray(range.fields) ? range.fields : [];
    walk(fields, "", function (field, path, list) {
      if (list) {
        if (list.role !== "line_items") return;
        COLUMN_ROLES.forEach(function (r) { if (lines[r[0]] === field.name) field.role = r[0]; });
        return;
      }
      ROOT_ROLES.forEach(function (role) { if (roles[role] === path) field.role = role; });
      if (field.kind === "list" && lines.field === path) field.role = "line_items";
      if (field.kind === "date" && inRange.indexOf(path) >= 0 && !field.role) field.role = "in_range";
    });
    if (lines.sum_to === "net" || lines.sum_to === "gross") settings.sum_to = lines.sum_to;
    if (typeof range.days_before === "number") settings.days_before = range.days_before;
    if (typeof range.days_after === "number") settings.days_after = range.days_after;
  }

  function collect(fields) {
    var found = { roles: {}, lines: null, columns: {}, inRange: [] };
    walk(fields, "", function (field, path, list) {
      if (list) {
        if (list.role === "line_items" && field.role) found.columns[field.role] = field.name;
      } else if (field.role === "line_items") {
        found.lines = path;
      } else if (field.role === "in_range") {
        found.inRange.push(path);
      } else if (field.role) {
        found.roles[field.role] = path;
      }
    });
    return found;
  }

  function buildBlock(fields, settings) {
    var found = collect(fields);
    var block = {};
    if (Object.keys(found.roles).length) block.roles = found.roles;
    if (found.lines) {
      var lines = { field: found.lines };
      COLUMN_ROLES.forEach(function (r) { if (found.columns[r[0]]) lines[r[0]] = found.columns[r[0]]; });
      if (settings.sum_to && found.roles[settings.sum_to] && lines.amount) lines.sum_to = settings.sum_to;
      block.line_items = lines;
    }
    if (found.inRange.length) {
      block.date_range = { fields: found.inRange, days_before: settings.days_before, days_after: settings.days_after };
    }
    return Object.keys(block).length ? block : null;
  }

  /* One field per role within its scope (the fields outside lists, or one list's columns);
     any number of dates may be checked against the document date. */
  function setRole(fields, target, role) {
    var scope = null;
    walk(fields, "", function (field, path, list) { if (field === target) scope = list || null; });
    if (role && role !== "in_range") {
      walk(fields, "", function (field, path, list) {
        if (field !== target && field.role === role && (list || null) === scope) field.role = "";
      });
    }
    target.role = role;
  }

  // --- rendering -----------------------------------------------------------------------------

  function input(act, value, attrs) {
    var node = el("input", Object.assign({ "data-act": act, "data-testid": "rule-" + act }, attrs));
    node.value = value || "";
    return node;
  }

  function roleSelect(field, options, label) {
    var select = el("select", { "data-act": "role", "aria-label": label, "data-testid": "rule-role" });
    [["", "No role"]].concat(options).forEach(function (o) {
      var option = el("option", { value: o[0], text: o[1] });
      if (o[0] === field.role) option.selected = true;
      select.appendChild(option);
    });
    return select;
  }

  function renderRules(field, inList) {
    var parts = [];
    if (field.kind === "text") {
      parts.push(input("pattern", field.pattern, { type: "text", className: "mono", placeholder: "Pattern, e.g. ^INV-\\d+ (optional)", "aria-label": "Pattern" }));
    }
    if (field.kind === "number" || field.kind === "integer") {
      parts.push(input("minimum", field.minimum, { type: "number", step: "any", placeholder: "Minimum", "aria-label": "Minimum" }));
      parts.push(input("maximum", field.maximum, { type: "number", step: "any", placeholder: "Maximum", "aria-label": "Maximum" }));
    }
    var roles = rolesFor(field, inList);
    if (roles.length) parts.push(roleSelect(field, roles, inList ? "Column role in the checks" : "Role in the checks"));
    if (field.kind === "list") {
      var box = el("input", { type: "checkbox", "data-act": "line-items", "data-testid": "rule-line-items" });
      box.checked = field.role === "line_items";
      parts.push(el("label", { className: "fld-req" }, [box, document.createTextNode("Line items: check their amounts")]));
    }
    if (!parts.length) return null;
    return el("div", { className: "fld-rules", "data-testid": "field-rules" }, [el("span", { className: "muted small", text: "Rules" })].concat(parts));
  }

  function describe(found, settings) {
    var out = [];
    var r = found.roles;
    if (r.net && r.tax && r.gross) out.push(["ok", "Net + tax = gross: " + r.net + " + " + r.tax + " = " + r.gross]);
    else out.push(["hint", "Net + tax = gross: give the net, tax and gross fields their roles."]);
    var c = found.columns;
    if (found.lines && c.quantity && c.unit_price && c.amount) out.push(["ok", "Quantity × unit price = amount on every line of " + found.lines]);
    else out.push(["hint", "Quantity × unit price = amount: mark a list as line items and its quantity, unit price and amount columns."]);
    if (found.lines && c.amount && settings.sum_to && r[settings.sum_to]) out.push(["ok", "Line amounts add up to " + r[settings.sum_to]]);
    else out.push(["hint", "Line amounts add up to the total: mark the amount column and choose net or gross below."]);
    if (found.inRange.length && r.document_date) out.push(["ok", found.inRange.join(", ") + " within the range below of " + r.document_date]);
    else out.push(["hint", "Dates near the document date: mark the document date and the dates to check."]);
    return out;
  }

  function renderPanel(panel, fields, settings) {
    var found = collect(fields);
    panel.innerHTML = "";
    var list = el("ul", { className: "checks" });
    describe(found, settings).forEach(function (line) {
      list.appendChild(el("li", { className: line[0] === "ok" ? "check-ok" : "muted small", "data-testid": line[0] === "ok" ? "active-check" : "check-hint" }, [
        el("span", { text: line[0] === "ok" ? "✓ " : "" }), document.createTextNode(line[1])
      ]));
    });
    panel.appendChild(list);
    var sum = el("select", { "data-act": "sum-to", "aria-label": "Line amounts add up to", "data-testid": "sum-to" });
    [["", "not checked"], ["net", "the net amount"], ["gross", "the gross total"]].forEach(function (o) {
      var option = el("option", { value: o[0], text: o[1] });
      if (o[0] === settings.sum_to) option.selected = true;
      sum.appendChild(option);
    });
    var before = input("days-before", String(settings.days_before), { type: "number", min: "0", max: "3660", "aria-label": "Days before" });
    var after = input("days-after", String(settings.days_after), { type: "number", min: "0", max: "3660", "aria-label": "Days after" });
    panel.appendChild(el("div", { className: "fld-rules" }, [el("span", { className: "small", text: "Line amounts add up to" }), sum]));
    panel.appendChild(el("div", { className: "fld-rules" }, [
      el("span", { className: "small", text: "Checked dates lie from" }), before,
      el("span", { className: "small", text: "days before to" }), after,
      el("span", { className: "small", text: "days after the document date" })
    ]));
  }

  /* The field an "x-validation…" error path is about, or null. */
  function fieldForError(fields, path) {
    var parts = path.split(".");
    if (parts[0] !== "x-validation") return null;
    var hit = null;
    var inRangeIndex = parts[1] === "date_range" && parts[2] === "fields" ? Number(parts[3]) : -1;
    var seen = -1;
    walk(fields, "", function (field, _path, list) {
      if (hit) return;
      if (parts[1] === "roles" && !list && field.role === parts[2]) hit = field;
      else if (parts[1] === "line_items" && parts[2] === "field" && field.role === "line_items") hit = field;
      else if (parts[1] === "line_items" && list && field.role === parts[2]) hit = field;
      else if (inRangeIndex >= 0 && field.role === "in_range" && ++seen === inRangeIndex) hit = field;
    });
    return hit;
  }

  window.PP = window.PP || {};
  window.PP.designerRules = {
    init: function (builder) { el = builder; },
    defaults: defaults,
    read: read,
    write: write,
    kindChanged: kindChanged,
    applyBlock: applyBlock,
    buildBlock: buildBlock,
    setRole: setRole,
    renderRules: renderRules,
    renderPanel: renderPanel,
    fieldForError: fieldForError,
    HANDLED: ["pattern", "minimum", "maximum"]
  };
})();
