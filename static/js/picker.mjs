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
  mirror(picker);
}

// A select that offers the records ticked in a picker (whose premises an engagement
// was held at, from the stakeholders involved): its options follow the ticks.
function mirror(picker) {
  const field = picker.dataset.field;
  document.querySelectorAll(`select[data-mirror-field="${field}"]`).forEach((select) => {
    const kept = select.value;
    const placeholder = select.options[0];
    const ticked = picker.querySelectorAll(`input[name="${field}"]:checked`);
    select.replaceChildren(placeholder);
    ticked.forEach((box) => {
      const option = document.createElement("option");
      option.value = box.value;
      option.textContent = picker.querySelector(`label[for="${box.id}"]`)?.textContent ?? box.value;
      option.selected = box.value === kept;
      select.append(option);
    });
  });
}

function enhance(picker) {
  const holder = picker.querySelector("[data-picker-input]");
  const original = holder.querySelector("input");
  const id = original.id;
  // Each keystroke asks the server again; answers can come back out of order, so only
  // the answer to the latest question fills the list (an older one arriving later
  // would replace the list under a highlighted suggestion and lose the choice).
  let asked = 0;
  original.remove();
  // The type-ahead replaces the no-JavaScript Search button: removed, not hidden, so
  // Enter in the form never "clicks" it to post an empty search.
  picker.querySelector("[data-picker-button]").remove();
  // Enter in the search box picks a suggestion; it never submits the whole form.
  holder.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
  picker.addEventListener("change", () => mirror(picker));
  accessibleAutocomplete({
    element: holder,
    id,
    minLength: 2,
    showNoOptionsFound: true,
    confirmOnBlur: false,
    source: (query, populate) => {
      const question = ++asked;
      const answer = (results) => {
        // A later search, or the box no longer holding this one (cut below two letters,
        // when no new search is made): the answer is out of date.
        if (question !== asked || holder.querySelector("input")?.value !== query) return;
        populate(results);
        picker.dataset.answered = query; // which search the list now shows
      };
      fetch(`${picker.dataset.lookup}?q=${encodeURIComponent(query)}`, { headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => answer(data.results))
        .catch(() => answer([]));
    },
    templates: {
      inputValue: () => "",
      suggestion: (record) => (record && typeof record === "object" ? escapeHtml(record.label) : escapeHtml(record || "")),
    },
    onConfirm: (record) => { if (record) addChosen(picker, record); },
  });
}

document.querySelectorAll("[data-app-picker]").forEach(enhance);
