/* Schema designer: a field editor and a JSON Schema editor that stay in sync.
 *
 * The JSON textarea (name="schema") is what the form submits; the field editor is a view of
 * it. Editing fields rewrites the JSON; editing the JSON (when it parses) rebuilds the fields.
 * Validation is the server's (parsers.schema.validate_schema through /parsers/validate), and
 * its errors are shown at the field their path points to.
 */
(function () {
  "use strict";

  var stateEl = document.getElementById("designer-state");
  if (!stateEl) return;
  var state = JSON.parse(stateEl.textContent);
  var form = document.getElementById("designer-form");
  var textarea = form.querySelector("textarea[name=schema]");
  var fieldsEl = document.getElementById("fields");
  var statusEl = document.getElementById("json-status");
  var summaryEl = document.getElementById("schema-summary");

  var KINDS = [
    ["text", "Text"],
    ["number", "Number"],
    ["integer", "Integer"],
    ["date", "Date"],
    ["boolean", "Yes / no"],
    ["choice", "Choice list"],
    ["group", "Group"],
    ["list", "List of groups (line items)"],
    ["values", "List of values"],
    ["custom", "Custom (edit in JSON)"]
  ];
  var rules = window.PP.designerRules;
  var HANDLED = ["type", "description", "x-aliases", "enum", "format", "properties", "required", "items"].concat(rules.HANDLED);
  var ROOT_HANDLED = ["type", "properties", "required", "x-validation"];
  var checksPanel = document.getElementById("checks-panel");

  var model = { fields: [], rootExtra: {}, validation: rules.defaults() };
  var errors = [];
  var uid = 0;

  // --- JSON Schema <-> fields ---------------------------------------------------------------

  function extraOf(spec) {
    var extra = {};
    Object.keys(spec).forEach(function (key) {
      if (HANDLED.indexOf(key) < 0) extra[key] = spec[key];
    });
    return extra;
  }

  function fieldFromSchema(name, spec, required) {
    var field = {
      id: ++uid, name: name, kind: "custom", description: "", aliases: [], required: required,
      choices: [], children: [], extra: {}, nullable: false, raw: spec, itemsExtra: {}, enumType: null
    };
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) return field;
    var type = spec.type;
    if (Array.isArray(type)) {
      field.nullable = type.indexOf("null") >= 0;
      type = type.filter(function (t) { return t !== "null"; })[0];
    }
    field.description = typeof spec.description === "string" ? spec.description : "";
    field.aliases = Array.isArray(spec["x-aliases"]) ? spec["x-aliases"].slice() : [];
    field.extra = extraOf(spec);
    rules.read(field, spec);
    if (Array.isArray(spec.enum)) {
      field.kind = "choice";
      field.choices = spec.enum.slice();
      field.enumType = type || null;
      if (spec.format !== undefined) field.extra.format = spec.format;
    } else if (type === "string" && spec.format === "date") {
      field.kind = "date";
    } else if (type === "string" && spec.format === undefined) {
      field.kind = "text";
    } else if (type === "number" || type === "integer" || type === "boolean") {
      field.kind = type;
    } else if (type === "object" && spec.items === undefined) {
      field.kind = "group";
      field.children = childrenFromSchema(spec);
    } else if (type === "array" && spec.items && typeof spec.items === "object") {
      var items = spec.items;
      var itemType = Array.isArray(items.type) ? items.type.filter(function (t) { return t !== "null"; })[0] : items.type;
      if (itemType === "object") {
        field.kind = "list";
        field.children = childrenFromSchema(items);
        field.itemsExtra = extraOf(items);
        if (items.description) field.itemsExtra.description = items.description;
      } else if (itemType === "string" && items.format === undefined && items.enum === undefined && Object.keys(items).length === 1) {
        field.kind = "values";
      }
    }
    if (field.kind !== "custom") field.raw = null;
    return field;
  }

  function childrenFromSchema(spec) {
    var props = spec && spec.properties && typeof spec.properties === "object" ? spec.properties : {};
    var required = Array.isArray(spec.required) ? spec.required : [];
    return Object.keys(props).map(function (name) {
      return fieldFromSchema(name, props[name], required.indexOf(name) >= 0);
    });
  }

  function withNull(type, nullable) { return nullable ? [type, "null"] : type; }

  function objectSchema(children, extra) {
    var out = { type: "object", properties: {} };
    var required = [];
    children.forEach(function (child) {
      out.properties[child.name] = fieldToSchema(child);
      if (child.required) required.push(child.name);
    });
    if (required.length) out.required = required;
    Object.keys(extra || {}).forEach(function (k) { if (!(k in out)) out[k] = extra[k]; });
    return out;
  }

  function fieldToSchema(field) {
    if (field.kind === "custom") return field.raw === null || field.raw === undefined ? {} : field.raw;
    var out = {};
    switch (field.kind) {
      case "text": out.type = withNull("string", field.nullable); break;
      case "number": case "integer": case "boolean": out.type = withNull(field.kind, field.nullable); break;
      case "date": out.type = withNull("string", field.nullable); out.format = "date"; break;
      case "choice":
        out.type = withNull(field.enumType || "string", field.nullable);
        out.enum = field.choices.slice();
        break;
      case "group":
        out = objectSchema(field.children, {});
        if (field.nullable) out.type = ["object", "null"];
        break;
      case "list":
        out.type = withNull("array", field.nullable);
        var itemsExtra = Object.assign({}, field.itemsExtra);
        var itemsDescription = itemsExtra.description;
        delete itemsExtra.description;
        out.items = objectSchema(field.children, itemsExtra);
        if (itemsDescription) out.items.description = itemsDescription;
        break;
      case "values": out.type = withNull("array", field.nullable); out.items = { type: "string" }; break;
    }
    rules.write(field, out);
    if (field.description) out.description = field.description;
    if (field.aliases.length) out["x-aliases"] = field.aliases.slice();
    Object.keys(field.extra).forEach(function (k) { if (!(k in out)) out[k] = field.extra[k]; });
    return out;
  }

  function modelFromSchema(schema) {
    var root = schema && typeof schema === "object" && !Array.isArray(schema) ? schema : {};
    model.fields = childrenFromSchema(root);
    model.rootExtra = {};
    Object.keys(root).forEach(function (k) {
      if (ROOT_HANDLED.indexOf(k) < 0) model.rootExtra[k] = root[k];
    });
    rules.applyBlock(model.fields, root["x-validation"], model.validation);
  }

  function schemaFromModel() {
    var out = objectSchema(model.fields, model.rootExtra);
    if (!out.required) out.required = [];
    var block = rules.buildBlock(model.fields, model.validation);
    if (block) out["x-validation"] = block;
    return out;
  }

  // --- Finding fields -----------------------------------------------------------------------

  function find(id, list, parent) {
    list = list || model.fields;
    for (var i = 0; i < list.length; i++) {
      if (list[i].id === id) return { field: list[i], list: list, index: i, parent: parent || null };
      var inner = find(id, list[i].children, list[i]);
      if (inner) return inner;
    }
    return null;
  }

  /* "properties.lines.items.properties.amount.type" -> the amount field of lines. */
  function fieldForPath(path) {
    var tokens = path ? path.split(".") : [];
    var list = model.fields;
    var found = null;
    var i = 0;
    while (i < tokens.length) {
      if (tokens[i] === "properties" && i + 1 < tokens.length) {
        var match = null, used = 0;
        for (var j = tokens.length; j > i + 1; j--) {
          var name = tokens.slice(i + 1, j).join(".");
          var hit = list.filter(function (f) { return f.name === name; })[0];
          if (hit) { match = hit; used = j - i; break; }
        }
        if (!match) break;
        found = match;
        list = match.children;
        i += used;
      } else if (tokens[i] === "items" && found) {
        i += 1;
      } else {
        break;
      }
    }
    return found;
  }

  // --- Rendering ------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function renderField(field, depth, list) {
    var box = el("div", { className: "fld", "data-id": field.id, "data-testid": "field" });
    box.dataset.name = field.name;
    var name = el("input", { type: "text", className: "fld-name", placeholder: "field_name", "aria-label": "Field name", "data-act": "name" });
    name.value = field.name;
    var kind = el("select", { className: "fld-kind", "aria-label": "Type", "data-act": "kind" });
    KINDS.forEach(function (k) {
      if (depth > 0 && k[0] === "custom" && field.kind !== "custom") return;
      var option = el("option", { value: k[0], text: k[1] });
      if (k[0] === field.kind) option.selected = true;
      kind.appendChild(option);
    });
    var req = el("input", { type: "checkbox", "data-act": "required" });
    req.checked = !!field.required;
    var tools = el("div", { className: "fld-tools" }, [
      el("button", { type: "button", title: "Move up", "aria-label": "Move up", "data-act": "up", text: "↑" }),
      el("button", { type: "button", title: "Move down", "aria-label": "Move down", "data-act": "down", text: "↓" }),
      el("button", { type: "button", title: "Delete field", "aria-label": "Delete field", "data-act": "delete", text: "✕" })
    ]);
    box.appendChild(el("div", { className: "fld-row" }, [name, kind, el("label", { className: "fld-req" }, [req, document.createTextNode("Required")]), tools]));

    if (field.kind !== "custom") {
      var description = el("input", { type: "text", placeholder: "Description: what it is, where it is printed", "aria-label": "Description", "data-act": "description" });
      description.value = field.description;
      var aliases = el("input", { type: "text", placeholder: "Aliases: other labels, comma-separated", "aria-label": "Aliases", "data-act": "aliases" });
      aliases.value = field.aliases.join(", ");
      var more = el("div", { className: "fld-more" }, [description, aliases]);
      if (field.kind === "choice") {
        var choices = el("input", { type: "text", placeholder: "Choices, comma-separated", "aria-label": "Choices", "data-act": "choices" });
        choices.value = field.choices.join(", ");
        choices.style.gridColumn = "1 / -1";
        more.appendChild(choices);
      }
      box.appendChild(more);
      var ruleRow = rules.renderRules(field, !!list);
      if (ruleRow) box.appendChild(ruleRow);
    } else {
      box.appendChild(el("div", { className: "fld-error muted", text: "This field uses JSON Schema the designer does not edit; change it in the JSON view." }));
    }
    if (field.kind === "group" || field.kind === "list") {
      var kids = el("div", { className: "fld-children" });
      field.children.forEach(function (child) {
        kids.appendChild(renderField(child, depth + 1, field.kind === "list" ? field : list));
      });
      kids.appendChild(el("div", {}, [el("button", {
        type: "button", className: "btn btn-sm", "data-act": "add-child",
        text: field.kind === "list" ? "+ Add column" : "+ Add field to group"
      })]));
      box.appendChild(kids);
    }
    box.appendChild(el("div", { className: "fld-error hidden", "data-role": "error" }));
    return box;
  }

  function renderFields() {
    fieldsEl.innerHTML = "";
    model.fields.forEach(function (field) { fieldsEl.appendChild(renderField(field, 0, null)); });
    document.getElementById("fields-empty").classList.toggle("hidden", model.fields.length > 0);
    if (checksPanel) rules.renderPanel(checksPanel, model.fields, model.validation);
    showErrors();
  }

  function countLeaves(list) {
    return list.reduce(function (n, f) {
      return n + (f.kind === "group" || f.kind === "list" ? countLeaves(f.children) : 1);
    }, 0);
  }

  // --- Sync ---------------------------------------------------------------------------------

  var validateTimer = null;

  function writeJson() {
    var schema = schemaFromModel();
    if (document.activeElement !== textarea) textarea.value = JSON.stringify(schema, null, 2);
    if (summaryEl) summaryEl.textContent = countLeaves(model.fields) + " fields";
    scheduleValidate(schema);
  }

  function scheduleValidate(schema) {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(function () { validate(schema); }, 350);
  }

  function validate(schema) {
    if (!model.fields.length) {
      errors = [];
      setStatus("No fields yet: add one, or let a sample suggest them.", "");
      showErrors();
      return;
    }
    fetch(state.validate_url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.PP.csrfToken() },
      body: JSON.stringify({ schema: schema }),
      credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (body) {
      errors = body.errors || [];
      if (body.valid) setStatus("✓ Valid schema", "ok");
      else setStatus(errors.length + " problem" + (errors.length > 1 ? "s" : "") + " to fix", "bad");
      showErrors();
    }).catch(function () { setStatus("Could not check the schema (offline?)", "bad"); });
  }

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "json-status " + (kind || "");
  }

  function showErrors() {
    fieldsEl.querySelectorAll(".fld").forEach(function (box) {
      box.classList.remove("has-error");
      var slot = box.querySelector(":scope > [data-role=error]");
      if (slot) { slot.textContent = ""; slot.classList.add("hidden"); }
    });
    var general = [];
    errors.forEach(function (error) {
      var field = rules.fieldForError(model.fields, error.path) || fieldForPath(error.path);
      var box = field && fieldsEl.querySelector('.fld[data-id="' + field.id + '"]');
      if (!box) { general.push(error); return; }
      box.classList.add("has-error");
      var slot = box.querySelector(":scope > [data-role=error]");
      slot.classList.remove("hidden");
      slot.textContent = (slot.textContent ? slot.textContent + " " : "") + error.message;
    });
    var generalEl = document.getElementById("schema-errors");
    generalEl.innerHTML = "";
    general.forEach(function (error) {
      generalEl.appendChild(el("div", { text: (error.path ? error.path + ": " : "") + error.message }));
    });
    generalEl.classList.toggle("hidden", !general.length);
  }

  function slugify(text) {
    return text.trim().toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\w]+/g, "_").replace(/^_+|_+$/g, "").replace(/^(\d)/, "_$1");
  }

  function newField(list, kind) {
    var taken = list.map(function (f) { return f.name; });
    var n = list.length + 1;
    while (taken.indexOf("field_" + n) >= 0) n++;
    var field = fieldFromSchema("field_" + n, { type: "string" }, false);
    if (kind) field.kind = kind;
    list.push(field);
    return field;
  }

  function focusName(field) {
    var input = fieldsEl.querySelector('.fld[data-id="' + field.id + '"] .fld-name');
    if (input) { input.focus(); input.select(); }
  }

  // --- Events ---------------------------------------------------------------------------------

  fieldsEl.addEventListener("input", function (event) {
    var box = event.target.closest(".fld");
    if (!box) return;
    var hit = find(Number(box.dataset.id));
    if (!hit) return;
    var act = event.target.dataset.act;
    var value = event.target.value;
    if (act === "name") { hit.field.name = value; box.dataset.name = value; }
    else if (act === "description") hit.field.description = value;
    else if (act === "aliases") hit.field.aliases = value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    else if (act === "choices") hit.field.choices = value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    else if (act === "pattern" || act === "minimum" || act === "maximum") hit.field[act] = value;
    else return;
    writeJson();
  });

  fieldsEl.addEventListener("focusout", function (event) {
    if (event.target.dataset.act !== "name") return;
    var hit = find(Number(event.target.closest(".fld").dataset.id));
    var clean = slugify(event.target.value);
    if (hit && clean && clean !== hit.field.name) {
      hit.field.name = clean;
      event.target.value = clean;
      writeJson();
    }
  });

  fieldsEl.addEventListener("change", function (event) {
    var box = event.target.closest(".fld");
    if (!box) return;
    var hit = find(Number(box.dataset.id));
    if (!hit) return;
    var act = event.target.dataset.act;
    if (act === "required") { hit.field.required = event.target.checked; writeJson(); return; }
    if (act === "role" || act === "line-items") {
      var role = act === "role" ? event.target.value : (event.target.checked ? "line_items" : "");
      rules.setRole(model.fields, hit.field, role);
      renderFields(); writeJson();
      return;
    }
    if (act !== "kind") return;
    var field = hit.field;
    var was = field.kind;
    field.kind = event.target.value;
    if (field.kind === "custom") field.raw = fieldToSchema(Object.assign({}, field, { kind: was }));
    if ((field.kind === "group" || field.kind === "list") && !field.children.length) newField(field.children);
    if (field.kind === "choice" && !field.choices.length) field.choices = ["option_a", "option_b"];
    if (field.kind !== "choice") field.enumType = null;
    delete field.extra.format;
    rules.kindChanged(field, hit.parent !== null && hit.parent.kind === "list");
    renderFields();
    writeJson();
  });

  fieldsEl.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-act]");
    if (!button) return;
    var box = button.closest(".fld");
    var hit = find(Number(box.dataset.id));
    if (!hit) return;
    var act = button.dataset.act;
    if (act === "delete") hit.list.splice(hit.index, 1);
    else if (act === "up" && hit.index > 0) hit.list.splice(hit.index - 1, 0, hit.list.splice(hit.index, 1)[0]);
    else if (act === "down" && hit.index < hit.list.length - 1) hit.list.splice(hit.index + 1, 0, hit.list.splice(hit.index, 1)[0]);
    else if (act === "add-child") {
      var child = newField(hit.field.children);
      renderFields(); writeJson(); focusName(child);
      return;
    } else return;
    renderFields();
    writeJson();
  });

  if (checksPanel) {
    checksPanel.addEventListener("change", function (event) {
      var act = event.target.dataset.act;
      if (act === "sum-to") model.validation.sum_to = event.target.value;
      else if (act === "days-before" || act === "days-after") {
        var days = parseInt(event.target.value, 10);
        model.validation[act === "days-before" ? "days_before" : "days_after"] = isNaN(days) ? 0 : days;
      } else return;
      rules.renderPanel(checksPanel, model.fields, model.validation);
      writeJson();
    });
  }

  document.querySelectorAll("[data-add-field]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = newField(model.fields, button.getAttribute("data-add-field") || null);
      if (field.kind === "list") { newField(field.children); newField(field.children); }
      renderFields(); writeJson(); focusName(field);
    });
  });

  textarea.addEventListener("input", function () {
    var parsed;
    try { parsed = JSON.parse(textarea.value); }
    catch (e) { setStatus("JSON syntax error: " + e.message, "bad"); return; }
    modelFromSchema(parsed);
    renderFields();
    if (summaryEl) summaryEl.textContent = countLeaves(model.fields) + " fields";
    scheduleValidate(parsed);
  });

  textarea.addEventListener("blur", function () {
    try { textarea.value = JSON.stringify(JSON.parse(textarea.value), null, 2); } catch (e) { /* keep */ }
  });

  form.addEventListener("submit", function () {
    try { JSON.parse(textarea.value); } catch (e) { return; }  // the server reports it
    if (!model.fields.length) textarea.value = "";
  });

  // --- Suggest fields from a sample ------------------------------------------------------------

  var suggestInput = document.getElementById("suggest-file");
  var suggestStatus = document.getElementById("suggest-status");
  if (suggestInput) {
    suggestInput.addEventListener("change", function () {
      var file = suggestInput.files[0];
      if (!file) return;
      var body = new FormData();
      body.append("file", file);
      suggestStatus.innerHTML = '<span class="spinner"></span> Reading ' + escapeHtml(file.name) + "…";
      fetch(state.suggest_url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": window.PP.csrfToken() }
      }).then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); }).then(function (res) {
        var ok = res[0], body = res[1];
        suggestInput.value = "";
        if (!ok) {
          suggestStatus.innerHTML = '<span class="json-status bad">' + escapeHtml(body.error.message) + "</span>" +
            (body.error.code === "INSUFFICIENT_CREDITS" ? ' <a href="/billing/">Buy credits</a>' : "");
          return;
        }
        var suggested = childrenFromSchema(body.schema);
        var names = model.fields.map(function (f) { return f.name; });
        var added = suggested.filter(function (f) { return names.indexOf(f.name) < 0; });
        model.fields = model.fields.concat(added);
        renderFields(); writeJson();
        suggestStatus.textContent = "Added " + added.length + " suggested field" + (added.length === 1 ? "" : "s") +
          " from " + file.name + " (" + body.credits_used + " credit" + (body.credits_used === 1 ? "" : "s") + "). Review names and types, then save.";
      }).catch(function () { suggestStatus.textContent = "The suggestion failed; try again."; });
    });
  }

  // --- Try it -------------------------------------------------------------------------------

  var tryInput = document.getElementById("try-file");
  var tryResult = document.getElementById("try-result");
  if (tryInput) {
    tryInput.addEventListener("change", function () {
      var file = tryInput.files[0];
      if (!file) return;
      var body = new FormData();
      body.append("file", file);
      body.append("schema", JSON.stringify(schemaFromModel()));
      body.append("extraction_target", form.querySelector("[name=extraction_target]").value);
      if (state.parser_id) body.append("parser_id", state.parser_id);
      tryResult.innerHTML = '<p class="muted"><span class="spinner"></span> Extracting ' + escapeHtml(file.name) + "…</p>";
      fetch(state.try_url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": window.PP.csrfToken() }
      }).then(function (r) { return r.text(); }).then(function (html) {
        tryInput.value = "";
        tryResult.innerHTML = html;
        if (window.PP.bindBoxes) window.PP.bindBoxes(tryResult);
      }).catch(function () { tryResult.textContent = "The preview failed; try again."; });
    });
  }

  function escapeHtml(text) {
    var d = document.createElement("div");
    d.textContent = text;
    return d.innerHTML;
  }

  // --- Tabs ---------------------------------------------------------------------------------

  document.querySelectorAll("[data-tab]").forEach(function (tab) {
    tab.addEventListener("click", function (event) {
      event.preventDefault();
      var name = tab.getAttribute("data-tab");
      document.querySelectorAll("[data-tab]").forEach(function (t) { t.classList.toggle("active", t === tab); });
      document.querySelectorAll("[data-panel]").forEach(function (p) {
        p.classList.toggle("hidden", p.getAttribute("data-panel") !== name);
      });
    });
  });

  // --- Start ------------------------------------------------------------------------------------

  rules.init(el);
  var initial = state.schema;
  try { if (textarea.value.trim()) initial = JSON.parse(textarea.value); } catch (e) { /* server state */ }
  modelFromSchema(initial);
  errors = state.errors || [];
  renderFields();
  if (summaryEl) summaryEl.textContent = countLeaves(model.fields) + " fields";
  if (errors.length) setStatus(errors.length + " problem" + (errors.length > 1 ? "s" : "") + " to fix", "bad");
  else if (model.fields.length) validate(initial);
  else setStatus("No fields yet: add one, or let a sample suggest them.", "");
})();
