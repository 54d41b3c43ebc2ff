// The desk's own script: signing in through the API's session endpoint, rows added to
// record forms, confirmations. No inline script anywhere: the page policy forbids it.
(function () {
  "use strict";

  function signIn(form) {
    var error = document.getElementById("sign-in-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      fetch(form.action, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ name: form.elements.name.value.trim(),
                               password: form.elements.password.value })
      }).then(function (answer) {
        if (answer.status === 201) {
          window.location.assign(form.dataset.next || "/");
          return null;
        }
        return answer.json().then(function (body) {
          var problem = body && body.error;
          error.textContent = answer.status === 401 ? "Wrong user name or password."
            : answer.status === 429 ? "Too many failed sign-ins: try again later."
            : answer.status === 422 ? "Give your user name and password."
            : (problem && problem.message) || ("The node answered " + answer.status + ".");
          error.hidden = false;
          form.elements.password.focus();
        });
      }).catch(function () {
        error.textContent = "The node cannot be reached.";
        error.hidden = false;
      });
    });
  }

  function addRows() {
    document.querySelectorAll("fieldset.group").forEach(function (group) {
      var button = group.querySelector("button.add-row");
      var template = group.querySelector("template");
      if (!button || !template) { return; }
      button.addEventListener("click", function () {
        var index = Number(button.dataset.next);
        button.dataset.next = String(index + 1);
        var copy = template.content.cloneNode(true);
        copy.querySelectorAll("[id], [name], [for]").forEach(function (element) {
          ["id", "name", "for"].forEach(function (attribute) {
            var value = element.getAttribute(attribute);
            if (value) { element.setAttribute(attribute, value.replace("__i__", String(index))); }
          });
        });
        group.querySelector(".rows").append(copy);
        var first = group.querySelector(".rows .row-fields:last-child input, .rows .row-fields:last-child select");
        if (first) { first.focus(); }
      });
    });
  }

  function confirmations() {
    document.querySelectorAll("form.confirm").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("sign-in");
    if (form) { signIn(form); }
    addRows();
    confirmations();
  });
}());
