// Search for the site opened as a file (file://...site/index.html).
//
// The theme's search runs in a Web Worker, and Chromium refuses to start a
// worker from a file:// page. There, this stands in for `Worker`: the
// worker's script runs in a hidden same-origin iframe, and messages pass
// between the page and the iframe as they would with a real worker. The
// theme's own stand-in for this lives on unpkg.com; the site works offline,
// so it ships its own (mkdocs.yml lists it under extra.polyfills, and its
// name keeps the offline plugin from adding the unpkg one).
(function () {
  "use strict";
  if (location.protocol !== "file:") {
    return; // served over http(s): the browser's own Worker works
  }

  function FrameWorker(url) {
    var pageListeners = [];
    var workerListeners = [];
    var pending = [];
    var loaded = false;
    var worker = this;

    var frame = document.createElement("iframe");
    frame.hidden = true;
    frame.setAttribute("aria-hidden", "true");
    document.documentElement.appendChild(frame);
    var scope = frame.contentWindow;

    function later(callback) {
      setTimeout(callback, 0); // messages are asynchronous, as with a worker
    }

    // What the worker's script sees as its global functions.
    scope.addEventListener = function (type, listener) {
      if (type === "message") {
        workerListeners.push(listener);
      }
    };
    scope.postMessage = function (data) {
      later(function () {
        var event = { data: data, target: worker };
        if (typeof worker.onmessage === "function") {
          worker.onmessage(event);
        }
        pageListeners.slice().forEach(function (listener) {
          listener.call(worker, event);
        });
      });
    };
    scope.importScripts = function () {
      throw new Error("importScripts() is not available to the search opened as a file");
    };

    function deliver(data) {
      later(function () {
        var event = { data: data };
        if (typeof scope.onmessage === "function") {
          scope.onmessage(event);
        }
        workerListeners.slice().forEach(function (listener) {
          listener.call(scope, event);
        });
      });
    }

    var script = scope.document.createElement("script");
    script.src = new URL(url, document.baseURI).href;
    script.onload = function () {
      loaded = true;
      pending.splice(0).forEach(deliver);
    };
    script.onerror = function () {
      var event = { message: "Could not load " + script.src };
      if (typeof worker.onerror === "function") {
        worker.onerror(event);
      }
    };
    scope.document.head.appendChild(script);

    this.onmessage = null;
    this.onerror = null;
    this.postMessage = function (data) {
      if (loaded) {
        deliver(data);
      } else {
        pending.push(data);
      }
    };
    this.addEventListener = function (type, listener) {
      if (type === "message") {
        pageListeners.push(listener);
      }
    };
    this.removeEventListener = function (type, listener) {
      var index = pageListeners.indexOf(listener);
      if (type === "message" && index >= 0) {
        pageListeners.splice(index, 1);
      }
    };
    this.terminate = function () {
      frame.remove();
    };
  }

  window.Worker = FrameWorker;
})();
