// Test-only: `window.api` (WindowApi in src/shared/ipc.ts) for the renderer running in a plain
// browser, over the e2e harness (test/e2e/harness/server.ts) instead of Electron's IPC.
// Served as a same-origin file and loaded before the app's module script.
(function () {
  'use strict';

  // The contract's event channels (EVENT_CHANNELS in src/shared/ipc.ts), written in by the harness.
  var EVENTS = [];
  var listeners = new Map();
  var source = null;
  var opened = false;

  function connect() {
    if (source) return source;
    source = new EventSource('/api/events');
    source.addEventListener('open', function () {
      opened = true;
    });
    EVENTS.forEach(function (name) {
      source.addEventListener(name, function (message) {
        var payload;
        try {
          payload = JSON.parse(message.data);
        } catch (error) {
          console.error('harness bridge: unreadable ' + name + ' event', error);
          return;
        }
        var set = listeners.get(name);
        if (!set) return;
        Array.from(set).forEach(function (listener) {
          try {
            listener(payload);
          } catch (error) {
            console.error('harness bridge: a ' + name + ' listener threw', error);
          }
        });
      });
    });
    return source;
  }

  function invoke(channel) {
    var args = Array.prototype.slice.call(arguments, 1);
    // Electron's structured clone keeps a trailing `undefined`; JSON would turn it into null.
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    return fetch('/api/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: channel, args: args })
    }).then(
      function (response) {
        if (!response.ok) {
          return { ok: false, code: 'internal', message: 'The harness answered HTTP ' + response.status + '.' };
        }
        return response.json();
      },
      function (error) {
        return { ok: false, code: 'unavailable', message: 'The harness could not be reached: ' + error.message };
      }
    );
  }

  function on(event, listener) {
    if (EVENTS.indexOf(event) < 0) throw new Error('There is no event "' + event + '".');
    if (typeof listener !== 'function') throw new TypeError('The listener must be a function.');
    connect();
    var set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    set.add(listener);
    return function unsubscribe() {
      set.delete(listener);
    };
  }

  // A browser has no file paths. In the app the preload takes a dropped file's path with
  // Electron's webUtils.getPathForFile and hands it to main; here a test names the paths of the
  // files it is about to drop (by file name), this bridge plays the preload's part, and any
  // other file has none: it comes back in `pathless`, and the renderer reads a CSV's text.
  var dropPaths = {};

  function drop(files) {
    var paths = [];
    var pathless = [];
    Array.prototype.forEach.call(files || [], function (file) {
      var path = file && Object.prototype.hasOwnProperty.call(dropPaths, file.name) ? dropPaths[file.name] : '';
      if (path) paths.push(path);
      else pathless.push(file && typeof file.name === 'string' ? file.name : 'a file');
    });
    if (paths.length === 0) return Promise.resolve({ ok: true, value: { images: [], csv: [], refused: [], pathless: pathless } });
    return fetch('/api/drop', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paths: paths })
    }).then(
      function (response) {
        if (!response.ok) return { ok: false, code: 'internal', message: 'The harness answered HTTP ' + response.status + '.' };
        return response.json().then(function (result) {
          if (!result.ok) return result;
          return { ok: true, value: Object.assign({}, result.value, { pathless: pathless }) };
        });
      },
      function (error) {
        return { ok: false, code: 'unavailable', message: 'The harness could not be reached: ' + error.message };
      }
    );
  }

  // Connect at once, so events that follow the app's first snapshot are not missed.
  connect();

  Object.defineProperty(window, 'api', {
    value: Object.freeze({ invoke: invoke, on: on, drop: drop, mediaBase: '/__media/' }),
    enumerable: true
  });
  // For the tests only: whether the event stream is open.
  Object.defineProperty(window, '__harness', {
    value: Object.freeze({
      eventsOpen: function () {
        return opened && source !== null && source.readyState === 1;
      },
      setDropPaths: function (paths) {
        dropPaths = Object.assign({}, paths);
      }
    })
  });
})();
