// @mention suggestions in a comment box: <textarea data-mentions="/decisions/1/mentions">.
// A combobox with a listbox of the people who can see the decision; the form works without it.
(function () {
  "use strict";
  var box = document.querySelector("textarea[data-mentions]");
  if (!box) { return; }
  var url = box.getAttribute("data-mentions");
  var wrapper = document.createElement("div");
  wrapper.className = "mention-box";
  box.parentNode.insertBefore(wrapper, box);
  wrapper.appendChild(box);
  var list = document.createElement("ul");
  list.id = box.id + "-mentions";
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "People to mention");
  list.hidden = true;
  wrapper.appendChild(list);
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  box.setAttribute("aria-expanded", "false");
  var people = [], active = -1, pending = null;

  function typed() {
    var before = box.value.slice(0, box.selectionStart);
    var match = /(^|[^\w@.])@([\w.+-]*)$/.exec(before);
    return match ? match[2] : null;
  }
  function close() {
    list.hidden = true; people = []; active = -1;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }
  function show(found) {
    people = found; active = found.length ? 0 : -1;
    list.innerHTML = "";
    found.forEach(function (person, i) {
      var item = document.createElement("li");
      item.id = list.id + "-" + i;
      item.setAttribute("role", "option");
      item.textContent = person.name;
      var handle = document.createElement("span");
      handle.className = "mention-handle";
      handle.textContent = "@" + person.handle;
      item.appendChild(handle);
      item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
      list.appendChild(item);
    });
    list.hidden = !found.length;
    box.setAttribute("aria-expanded", found.length ? "true" : "false");
    mark();
  }
  function mark() {
    Array.prototype.forEach.call(list.children, function (item, i) {
      item.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    if (active >= 0) { box.setAttribute("aria-activedescendant", list.id + "-" + active); }
  }
  function choose(i) {
    var word = typed();
    if (word === null) { close(); return; }
    var start = box.selectionStart - word.length;
    var text = "@" + people[i].handle.slice(0) + " ";
    box.value = box.value.slice(0, start - 1) + text + box.value.slice(box.selectionStart);
    var caret = start - 1 + text.length;
    box.setSelectionRange(caret, caret);
    close();
  }
  box.addEventListener("input", function () {
    var word = typed();
    if (word === null) { close(); return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(word), { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(show)
      .catch(function () {});
  });
  box.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : people.length - 1)) % people.length;
      mark();
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  box.addEventListener("blur", function () { setTimeout(close, 100); });
})();
