// Checks a send form as it is typed (issue 17, part 1). When the caseworker leaves a field,
// ticks a box or picks from a list, and then as they correct a field already marked, the
// form is posted to its check address (`data-check`). That address answers with the problems
// the send would refuse, in the caseworker's language, and queues nothing. Each problem of a
// field the caseworker has already been to is shown beside it, as the page shows it after a
// send, and read out once through a polite live region; the summary of a refused send keeps
// only what is still to correct. Without this script (or when the check cannot be reached)
// the form is checked when it is sent, as before.
(function () {
  "use strict";
  var form = document.getElementById("form");
  if (!form || !form.dataset.check || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var touched = new Set();
  var shown = new Map();
  var timer = 0;
  var asked = 0;
  var status = document.createElement("p");
  status.id = "check-status";
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  form.appendChild(status);

  // A problem the page was sent with counts as seen: correcting it clears it at once.
  form.querySelectorAll(".field-error[id$='-error']").forEach(function (p) {
    var id = p.id.slice(0, -"-error".length);
    if (document.getElementById(id)) {
      touched.add(id);
      shown.set(id, p.textContent);
    }
  });

  function touch(element) {
    if (element.id) {
      touched.add(element.id);
    }
    var group = element.closest("fieldset[id]");
    if (group) {
      touched.add(group.id);
    }
  }

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(check, ms);
  }

  form.addEventListener("change", function (event) {
    touch(event.target);
    later(0);
  });
  form.addEventListener("input", function (event) {
    if (touched.has(event.target.id)) {
      later(500);
    }
  });

  function check() {
    var mine = ++asked;
    fetch(form.dataset.check, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer && mine === asked) {
          show(answer.problems);
        }
      })
      .catch(function () {
        // Not reachable now: the form is still checked when it is sent.
      });
  }

  function show(problems) {
    var now = new Map();
    problems.forEach(function (p) {
      if (touched.has(p.field) && document.getElementById(p.field) && !now.has(p.field)) {
        now.set(p.field, p.words);
      }
    });
    shown.forEach(function (_, id) {
      if (!now.has(id)) {
        clear(id);
      }
    });
    var news = [];
    now.forEach(function (words, id) {
      if (shown.get(id) !== words) {
        put(id, words);
        news.push(words);
      }
    });
    shown = now;
    summarize(problems);
    if (news.length) {
      status.textContent = news.join(" ");
    }
  }

  // The summary of the last send keeps only what is still to correct, in today's words.
  function summarize(problems) {
    var summary = document.getElementById("form-problems");
    if (!summary) {
      return;
    }
    var now = new Map();
    problems.forEach(function (p) {
      if (!now.has(p.field)) {
        now.set(p.field, p.words);
      }
    });
    summary.querySelectorAll("li").forEach(function (item) {
      var link = item.querySelector("a[href^='#']");
      var id = link ? link.getAttribute("href").slice(1) : "";
      if (!document.getElementById(id)) {
        return;
      }
      if (now.has(id)) {
        link.textContent = now.get(id);
      } else {
        item.remove();
      }
    });
    if (!summary.querySelector("li")) {
      summary.remove();
    }
  }

  function put(id, words) {
    var target = document.getElementById(id);
    var error = document.getElementById(id + "-error");
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.id = id + "-error";
      if (target.tagName === "FIELDSET") {
        var hint = document.getElementById(id + "-hint");
        var legend = target.querySelector("legend");
        var after = hint && hint.parentNode === target ? hint : legend;
        if (after) {
          after.after(error);
        } else {
          target.prepend(error);
        }
      } else {
        target.before(error);
      }
    }
    error.textContent = words;
    describe(target, error.id, true);
    if (target.tagName !== "FIELDSET") {
      target.setAttribute("aria-invalid", "true");
    }
  }

  function clear(id) {
    var error = document.getElementById(id + "-error");
    if (error) {
      error.remove();
    }
    var target = document.getElementById(id);
    if (target) {
      describe(target, id + "-error", false);
      target.removeAttribute("aria-invalid");
    }
  }

  function describe(element, ref, on) {
    var ids = (element.getAttribute("aria-describedby") || "")
      .split(/\s+/)
      .filter(function (x) {
        return x && x !== ref;
      });
    if (on) {
      ids.push(ref);
    }
    if (ids.length) {
      element.setAttribute("aria-describedby", ids.join(" "));
    } else {
      element.removeAttribute("aria-describedby");
    }
  }
})();
