/*
 * charla WebMCP door: offers this business's tools to AI agents that run inside the visitor's
 * browser.
 *
 * Served by `charla serve` at /webmcp.js and loaded by a page with
 *   <script src="/webmcp.js" defer></script>
 * It reads the tool manifest (/.well-known/webmcp.json, or the URL in the tag's `data-manifest`
 * attribute) and registers every tool with the browser's experimental WebMCP API,
 * `document.modelContext.registerTool`. A tool's `execute` POSTs its arguments to the tool's
 * endpoint; the server answers with an MCP CallToolResult, which is handed back to the agent.
 *
 * What Chromium 156 (--enable-features=WebMCP) was found to do, which this script relies on:
 * - The API is `document.modelContext`; `navigator.modelContext` only exists where a polyfill
 *   provides it, so it is the fallback.
 * - registerTool(tool, {signal}) returns a Promise that rejects (it does not throw) on a
 *   duplicate name, a name with characters other than letters, digits, "_", "-" and ".", a
 *   missing or empty description, or a missing execute. It does not reject unknown members:
 *   `title` is kept, `outputSchema` is accepted but not reported to agents yet, and of
 *   `annotations` it reads only readOnlyHint, consequentialHint and untrustedContentHint.
 * - execute(input, client) gets the arguments as an object and `client = {signal}`, an
 *   AbortSignal that fires when the agent cancels the call. Whatever execute resolves to is
 *   serialised as JSON for the agent; if execute throws, the agent only learns "the invocation
 *   failed", which is why every failure here is returned as an MCP error result instead.
 * - The browser does not validate arguments against inputSchema: the server does.
 *
 * The page can wait for registration with `window.charlaWebMCP.ready`, a Promise of the names
 * of the tools that were registered (empty when the browser has no WebMCP, or on failure); it
 * never rejects.
 */
(function () {
  'use strict';

  // A second copy of this script on the same page would only collide with the first one's
  // tool names.
  if (window.charlaWebMCP) {
    return;
  }

  // How long one tool call may take before the agent gets an error instead of waiting forever.
  var CALL_TIMEOUT_MS = 30000;

  // Must be read now: document.currentScript is null once this script has finished running.
  var script = document.currentScript;
  var manifestUrl = new URL(
    (script && script.getAttribute('data-manifest')) || '/.well-known/webmcp.json',
    document.baseURI
  );

  var modelContext = pickModelContext();
  var ready = modelContext ? registerAll(modelContext) : Promise.resolve([]);
  if (!modelContext) {
    console.info('charla WebMCP: this browser has no WebMCP (document.modelContext); no tools registered.');
  }
  window.charlaWebMCP = Object.freeze({ ready: ready });

  function pickModelContext() {
    var candidates = [document.modelContext, navigator.modelContext];
    for (var i = 0; i < candidates.length; i++) {
      if (candidates[i] && typeof candidates[i].registerTool === 'function') {
        return candidates[i];
      }
    }
    return null;
  }

  // Registers every tool of the manifest; resolves to the names that were accepted.
  function registerAll(context) {
    return fetch(manifestUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status + ' for ' + manifestUrl);
        }
        return response.json();
      })
      .then(function (manifest) {
        var tools = manifest && Array.isArray(manifest.tools) ? manifest.tools : [];
        return Promise.all(tools.map(function (tool) { return registerOne(context, tool); }));
      })
      .then(function (names) {
        return names.filter(Boolean);
      })
      .catch(function (error) {
        console.warn('charla WebMCP: could not load the tool manifest:', error);
        return [];
      });
  }

  // Resolves to the tool's name once registered, or null (with a warning) when it was refused.
  function registerOne(context, tool) {
    var endpoint = toolEndpoint(tool);
    if (!endpoint) {
      return Promise.resolve(null);
    }
    var definition = {
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema || { type: 'object', properties: {} },
      annotations: browserAnnotations(tool.annotations),
      execute: function (input, client) {
        return callEndpoint(tool.name, endpoint, input, client && client.signal);
      }
    };
    if (tool.title) {
      definition.title = tool.title;
    }
    if (tool.outputSchema) {
      definition.outputSchema = tool.outputSchema;
    }
    // Promise.resolve().then() also catches a synchronous throw, which a polyfill may use
    // instead of a rejected Promise.
    return Promise.resolve()
      .then(function () { return context.registerTool(definition); })
      .then(
        function () { return tool.name; },
        function (error) {
          console.warn('charla WebMCP: the browser refused tool "' + tool.name + '":', error);
          return null;
        }
      );
  }

  // The tool's endpoint URL, or null when the manifest entry cannot be called from here.
  function toolEndpoint(tool) {
    if (!tool || typeof tool.name !== 'string' || !tool.endpoint || typeof tool.endpoint.url !== 'string') {
      console.warn('charla WebMCP: skipping a manifest tool without a name or endpoint:', tool);
      return null;
    }
    var method = (tool.endpoint.method || 'POST').toUpperCase();
    var url = new URL(tool.endpoint.url, manifestUrl);
    // Endpoints are relative to the manifest's origin; one elsewhere would send the agent's
    // arguments to a third party, so it is not registered.
    if (method !== 'POST' || url.origin !== manifestUrl.origin) {
      console.warn('charla WebMCP: skipping tool "' + tool.name + '": only POST endpoints on ' +
        manifestUrl.origin + ' are supported, got ' + method + ' ' + url.href);
      return null;
    }
    return url;
  }

  // The manifest carries MCP's annotations; Chromium reads its own names. Both are passed, so a
  // polyfill that speaks MCP's vocabulary keeps the originals.
  function browserAnnotations(mcp) {
    var hints = Object.assign({}, mcp || {});
    // MCP's default for readOnlyHint is false: a tool that does not say it is read-only may
    // change something (book a slot, open a ticket), which the browser should treat as
    // consequential and may confirm with the user.
    hints.readOnlyHint = hints.readOnlyHint === true;
    hints.consequentialHint = !hints.readOnlyHint;
    // An open-world tool reaches things beyond the business's own data.
    hints.untrustedContentHint = hints.openWorldHint === true;
    return hints;
  }

  // POSTs the arguments and always resolves to an MCP CallToolResult, never throws.
  function callEndpoint(name, url, input, agentSignal) {
    var timeout = abortAfter(CALL_TIMEOUT_MS, agentSignal);
    var request = {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(input === undefined || input === null ? {} : input),
      signal: timeout.signal
    };
    return fetch(url, request)
      .then(function (response) {
        return response.text().then(function (body) { return toResult(name, response, body); });
      })
      .catch(function (error) {
        if (agentSignal && agentSignal.aborted) {
          return errorResult('The call to ' + name + ' was cancelled.');
        }
        if (timeout.signal.aborted) {
          return errorResult('The call to ' + name + ' got no answer within ' + CALL_TIMEOUT_MS / 1000 + ' s.');
        }
        return errorResult('Could not reach ' + name + ': ' + (error && error.message ? error.message : String(error)));
      })
      .finally(timeout.clear);
  }

  // An AbortSignal that fires after `ms` or when the agent cancels, whichever comes first.
  function abortAfter(ms, agentSignal) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, ms);
    function onAgentAbort() { controller.abort(); }
    if (agentSignal) {
      if (agentSignal.aborted) {
        controller.abort();
      } else {
        agentSignal.addEventListener('abort', onAgentAbort, { once: true });
      }
    }
    return {
      signal: controller.signal,
      clear: function () {
        clearTimeout(timer);
        if (agentSignal) {
          agentSignal.removeEventListener('abort', onAgentAbort);
        }
      }
    };
  }

  // Turns the server's answer into a CallToolResult for the agent.
  function toResult(name, response, body) {
    var json = null;
    try {
      json = body ? JSON.parse(body) : null;
    } catch (ignored) {
      // Not JSON (a proxy's HTML error page, say): described below by its status.
    }
    var isMcpResult = json && typeof json === 'object' && Array.isArray(json.content);
    if (response.ok) {
      if (isMcpResult) {
        json.isError = json.isError === true;
        return json;
      }
      return errorResult(name + ' answered HTTP ' + response.status + ' without a tool result.');
    }
    // A tool-level failure (invalid arguments, not allowed, unknown tool, rate limited): the
    // server's own content already says what is wrong.
    if (isMcpResult) {
      json.isError = true;
      return json;
    }
    var message = name + ' failed with HTTP ' + response.status;
    if (json && json.error && typeof json.error === 'object') {
      message += ' (' + [json.error.code, json.error.message].filter(Boolean).join(': ') + ')';
    } else if (response.statusText) {
      message += ' ' + response.statusText;
    }
    var retryAfter = response.headers.get('Retry-After');
    if (retryAfter) {
      message += '. Try again after ' + retryAfter + (/^\d+$/.test(retryAfter) ? ' s' : '');
    }
    return errorResult(message + '.');
  }

  function errorResult(text) {
    return { content: [{ type: 'text', text: text }], isError: true };
  }
})();
