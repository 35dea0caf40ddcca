// Suggestions for the search box in the page header: a WAI-ARIA combobox with a listbox popup.
// Typing asks /suggest for organisations, action lines and documents whose name has a word
// starting with the text; Down/Up move through them (aria-activedescendant), Enter opens the
// one chosen (or submits the search when none is), Escape closes the list.
(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  if (!input) { return; }
  var form = input.form;
  var list = document.getElementById("site-search-list");
  var status = document.getElementById("site-search-status");
  var endpoint = form.getAttribute("data-suggest");
  var options = [];
  var active = -1;
  var timer = null;
  var asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(i) {
    options.forEach(function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
    active = i;
    if (i >= 0) {
      input.setAttribute("aria-activedescendant", options[i].id);
      options[i].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(suggestions) {
    list.textContent = "";
    options = suggestions.map(function (s, i) {
      var li = document.createElement("li");
      li.id = "site-search-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.url = s.url;
      var name = document.createElement("span");
      name.textContent = s.name;
      var kind = document.createElement("span");
      kind.className = "combo-kind";
      kind.textContent = s.kind;
      li.appendChild(name);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(kind);
      // mousedown, not click: the input's blur would close the list first
      li.addEventListener("mousedown", function (e) { e.preventDefault(); window.location.href = s.url; });
      list.appendChild(li);
      return li;
    });
    active = -1;
    if (options.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
    status.textContent = options.length ? options.length + " suggestions; use the arrow keys" : "";
  }

  function ask() {
    var text = input.value.trim();
    if (text.length < 2) { close(); return; }
    var mine = ++asked;
    fetch(endpoint + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (mine === asked) { render(data.suggestions || []); } })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 120);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (list.hidden) { if (options.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } return; }
      e.preventDefault();
      var step = e.key === "ArrowDown" ? 1 : -1;
      var next = active + step;
      if (next >= options.length) { next = -1; }
      if (next < -1) { next = options.length - 1; }
      highlight(next);
    } else if (e.key === "Enter" && !list.hidden && active >= 0) {
      e.preventDefault();
      window.location.href = options[active].dataset.url;
    } else if (e.key === "Escape") {
      if (!list.hidden) { e.preventDefault(); close(); }
    }
  });
  input.addEventListener("blur", close);
  form.addEventListener("submit", function () { asked++; close(); });
}());
