// Turns each record picker's search box into an accessible type-ahead
// (accessible-autocomplete). Choosing a record adds a ticked checkbox, exactly
// as the no-JavaScript search does, so the form posts the same either way.
/* global accessibleAutocomplete */

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function addChosen(picker, record) {
  const field = picker.dataset.field;
  const chosen = picker.querySelector("[data-picker-chosen]");
  const existing = chosen.querySelector(`input[value="${Number(record.id)}"]`);
  if (existing) {
    existing.checked = true;
    return;
  }
  const id = `${field}-${Number(record.id)}`;
  const item = document.createElement("div");
  item.className = "govuk-checkboxes__item";
  const input = document.createElement("input");
  Object.assign(input, { className: "govuk-checkboxes__input", id, name: field, type: "checkbox", value: String(record.id), checked: true });
  const label = document.createElement("label");
  label.className = "govuk-label govuk-checkboxes__label";
  label.htmlFor = id;
  label.textContent = record.label;
  item.append(input, label);
  chosen.append(item);
  picker.querySelector("[data-picker-empty]")?.remove();
}

function enhance(picker) {
  const holder = picker.querySelector("[data-picker-input]");
  const original = holder.querySelector("input");
  const id = original.id;
  let latest = [];
  original.remove();
  picker.querySelector("[data-picker-button]").hidden = true;
  accessibleAutocomplete({
    element: holder,
    id,
    minLength: 2,
    showNoOptionsFound: true,
    confirmOnBlur: false,
    source: (query, populate) => {
      fetch(`${picker.dataset.lookup}?q=${encodeURIComponent(query)}`, { headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => { latest = data.results; populate(latest); })
        .catch(() => populate([]));
    },
    templates: {
      inputValue: () => "",
      suggestion: (record) => (record && typeof record === "object" ? escapeHtml(record.label) : escapeHtml(record || "")),
    },
    onConfirm: (record) => { if (record) addChosen(picker, record); },
  });
}

document.querySelectorAll("[data-app-picker]").forEach(enhance);
