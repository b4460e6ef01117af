// Kolben development debugger: plain JavaScript, no build step, no CDN.
// Everything the server sends back is inserted as text (textContent), never
// as HTML, so console output and error messages cannot inject markup.
(function () {
  "use strict";

  var body = document.body;
  var base = body.getAttribute("data-kd-base");
  var csrf = body.getAttribute("data-kd-csrf");
  var tracebackId = body.getAttribute("data-kd-traceback");
  var evalex = body.getAttribute("data-kd-evalex") === "1";

  function post(path, payload) {
    return fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        "X-Kolben-Debugger-CSRF": csrf
      },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () {
        return { error: "The server answered " + response.status + "." };
      }).then(function (data) {
        data.status = response.status;
        return data;
      });
    }, function () {
      return { error: "The server cannot be reached (did it restart?).", status: 0 };
    });
  }

  function setStatus(element, text, good) {
    if (!element) { return; }
    element.textContent = text;
    element.classList.toggle("kd-good", good === true);
    element.classList.toggle("kd-bad", good === false);
  }

  // -- locking and unlocking the consoles ------------------------------------

  var unlockBox = document.getElementById("kd-unlock");
  var unlockForm = document.getElementById("kd-unlock-form");
  var unlockStatus = document.getElementById("kd-unlock-status");
  var tokenInput = document.getElementById("kd-token");

  function setUnlocked(unlocked) {
    body.setAttribute("data-kd-unlocked", unlocked ? "1" : "0");
    if (unlockBox) { unlockBox.hidden = unlocked; }
    var inputs = document.querySelectorAll(".kd-input");
    for (var i = 0; i < inputs.length; i++) {
      inputs[i].disabled = !unlocked;
      inputs[i].placeholder = unlocked
        ? "Python code, run in this frame (Enter runs, Shift+Enter adds a line)"
        : "Unlock the consoles to run Python here";
    }
  }

  if (unlockForm) {
    unlockForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = tokenInput.value;
      setStatus(unlockStatus, "Checking...", null);
      post("/auth", { token: token }).then(function (data) {
        if (data.ok) {
          tokenInput.value = "";
          setStatus(unlockStatus, "", null);
          setUnlocked(true);
          var first = document.querySelector(".kd-user .kd-input");
          if (first) { first.focus(); }
        } else {
          setStatus(unlockStatus, data.error || "Refused.", false);
        }
      });
    });
  }

  // -- the consoles ----------------------------------------------------------

  function appendOutput(output, text, className) {
    var span = document.createElement("span");
    if (className) { span.className = className; }
    span.textContent = text;
    output.appendChild(span);
  }

  function setUpConsole(consoleElement) {
    var frameId = parseInt(consoleElement.getAttribute("data-kd-frame"), 10);
    var output = consoleElement.querySelector(".kd-output");
    var form = consoleElement.querySelector(".kd-console-form");
    var input = consoleElement.querySelector(".kd-input");
    var history = [];
    var position = 0;

    function run() {
      var code = input.value;
      if (!code.trim()) { return; }
      history.push(code);
      position = history.length;
      input.value = "";
      appendOutput(output, ">>> " + code.replace(/\n/g, "\n... ") + "\n", "kd-in");
      post("/eval", { traceback: tracebackId, frame: frameId, code: code }).then(function (data) {
        if (data.status === 200) {
          if (data.output) {
            appendOutput(output, data.output, data.error ? "kd-err" : "");
          }
        } else {
          appendOutput(output, (data.error || "Refused.") + "\n", "kd-err");
          if (data.locked) { setUnlocked(false); }
        }
        output.scrollTop = output.scrollHeight;
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        run();
      } else if (event.key === "ArrowUp" && input.value.indexOf("\n") < 0 && position > 0) {
        event.preventDefault();
        position -= 1;
        input.value = history[position];
      } else if (event.key === "ArrowDown" && input.value.indexOf("\n") < 0) {
        event.preventDefault();
        position = Math.min(history.length, position + 1);
        input.value = position < history.length ? history[position] : "";
      }
    });
  }

  if (evalex) {
    var consoles = document.querySelectorAll(".kd-console");
    for (var c = 0; c < consoles.length; c++) { setUpConsole(consoles[c]); }
    setUnlocked(body.getAttribute("data-kd-unlocked") === "1");
  }

  // -- copying the traceback -------------------------------------------------

  var copyButton = document.getElementById("kd-copy");
  var copyStatus = document.getElementById("kd-copy-status");
  var plain = document.getElementById("kd-plain");

  function copyBySelection() {
    var details = plain.closest("details");
    var wasOpen = details.open;
    details.open = true;
    plain.focus();
    plain.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (error) { done = false; }
    details.open = wasOpen;
    return done;
  }

  copyButton.addEventListener("click", function () {
    var text = plain.value;
    var report = function (done) {
      setStatus(copyStatus, done ? "Traceback copied." : "Copy failed: select the plain-text traceback below.", done);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { report(true); }, function () {
        report(copyBySelection());
      });
    } else {
      report(copyBySelection());
    }
  });

  // -- library frames --------------------------------------------------------

  var toggle = document.getElementById("kd-toggle-library");
  var libraryFrames = document.querySelectorAll(".kd-frame.kd-library");
  if (!libraryFrames.length) {
    toggle.hidden = true;
  }
  toggle.addEventListener("click", function () {
    var expand = toggle.textContent.indexOf("Expand") === 0;
    for (var i = 0; i < libraryFrames.length; i++) { libraryFrames[i].open = expand; }
    toggle.textContent = expand ? "Collapse library frames" : "Expand library frames";
  });
}());
