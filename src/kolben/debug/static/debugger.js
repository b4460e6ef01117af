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
        ? "Python code, run in this frame (Enter runs, Shift+Enter adds a line, Esc drops a \"...\" block)"
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
    // Output that did not end its line (print(x, end="")) must not run
    // into the next prompt.
    var before = output.textContent;
    if (className === "kd-in" && before && before.charAt(before.length - 1) !== "\n") {
      text = "\n" + text;
    }
    var span = document.createElement("span");
    if (className) { span.className = className; }
    span.textContent = text;
    output.appendChild(span);
  }

  // The buffer of an unfinished statement (after "for x in y:", an open
  // bracket...) lives here, in the page, not on the server: each Enter sends
  // the whole buffer, and the server only says whether it is complete (it
  // runs it) or needs more lines (it runs nothing). So the server keeps no
  // state per console that could grow, go stale or be shared by two tabs
  // showing the same traceback; every line goes through the same token,
  // CSRF and Host checks; and the buffer is bounded by the request size
  // limit (and by MAX_BUFFER below, to say so before sending).
  var MAX_BUFFER = 60000;

  function indentAfter(source) {
    var last = source.split("\n").pop();
    var indent = /^[ \t]*/.exec(last)[0];
    return /:\s*(#.*)?$/.test(last) ? indent + "    " : indent;
  }

  function setUpConsole(consoleElement) {
    var frameId = parseInt(consoleElement.getAttribute("data-kd-frame"), 10);
    var output = consoleElement.querySelector(".kd-output");
    var form = consoleElement.querySelector(".kd-console-form");
    var input = consoleElement.querySelector(".kd-input");
    var prompt = consoleElement.querySelector(".kd-prompt");
    var history = [];
    var position = 0;
    var buffer = null;  // null: no unfinished statement
    var busy = false;

    function setBuffer(value) {
      buffer = value;
      prompt.textContent = buffer === null ? ">>>" : "...";
      consoleElement.classList.toggle("kd-more", buffer !== null);
    }

    function finish() {
      busy = false;
      input.readOnly = false;
      output.scrollTop = output.scrollHeight;
    }

    function run() {
      var code = input.value;
      if (busy) { return; }
      // An empty line ends a block; with no block open it does nothing.
      if (buffer === null && !code.trim()) { return; }
      var source = buffer === null ? code : buffer + "\n" + code;
      var first = buffer === null ? ">>> " : "... ";
      if (code.trim()) {
        history.push(code);
      }
      position = history.length;
      input.value = "";
      appendOutput(output, first + code.replace(/\n/g, "\n... ") + "\n", "kd-in");
      if (source.length > MAX_BUFFER) {
        setBuffer(null);
        appendOutput(output, "The statement is too long for the console (over " +
          MAX_BUFFER + " characters); it was dropped.\n", "kd-err");
        return;
      }
      busy = true;
      input.readOnly = true;
      post("/eval", { traceback: tracebackId, frame: frameId, code: source }).then(function (data) {
        if (data.status === 200) {
          if (data.more) {
            setBuffer(source);
            input.value = indentAfter(source);
          } else {
            setBuffer(null);
          }
          if (data.output) {
            appendOutput(output, data.output, data.error ? "kd-err" : "");
          }
        } else {
          setBuffer(null);
          appendOutput(output, (data.error || "Refused.") + "\n", "kd-err");
          if (data.locked) { setUnlocked(false); }
        }
        finish();
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
      } else if (event.key === "Escape" && buffer !== null && !busy) {
        // Python's Ctrl+C at a "..." prompt: drop the unfinished statement.
        event.preventDefault();
        setBuffer(null);
        input.value = "";
        appendOutput(output, "KeyboardInterrupt (the unfinished statement was dropped)\n", "kd-err");
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

  // -- frames shared by chained exceptions ----------------------------------

  // An earlier exception links to a frame listed under a later one; a
  // library frame is collapsed, so open it on the way.
  var references = document.querySelectorAll(".kd-frame-ref a[data-kd-target]");
  for (var r = 0; r < references.length; r++) {
    references[r].addEventListener("click", function () {
      var target = document.getElementById("kd-frame-" + this.getAttribute("data-kd-target"));
      if (target) { target.open = true; }
    });
  }

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
