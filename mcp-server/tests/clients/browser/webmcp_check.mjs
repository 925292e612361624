// Checks charla's WebMCP door the way a browser agent uses it, in a real Chromium.
//
//   node webmcp_check.mjs http://127.0.0.1:PORT
//
// Opens PORT's /shop page in Debian's Chromium with WebMCP enabled, waits for /webmcp.js to
// register the manifest's tools, checks that the browser holds exactly the manifest's tools
// (names, descriptions, input schemas, read-only hints), calls catalog_search through the
// browser with good and with invalid arguments, and searches with the page's own form.
// Prints one JSON summary line on stdout; exits 1 on a failed check, 2 when it cannot run.
//
// Tools are listed and called with playwright-core's page.webmcp.tools() / callTool(), which
// go through the DevTools protocol's WebMCP domain: the same path a browser agent's calls take.
// CHARLA_CHROMIUM overrides the browser binary (default /usr/bin/chromium).

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const QUERY = 'helmet'; // Velora sells several helmets: a search that must find products.
const INVALID_ARGS = { limit: 'many' }; // no query, and a limit that is not a number
const TOTAL_TIMEOUT_MS = 55_000;
const STEP_TIMEOUT_MS = 20_000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-features=WebMCP',
];

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

function parseBase(argv) {
  if (argv.length !== 1) {
    throw new Error('usage: node webmcp_check.mjs http://127.0.0.1:PORT');
  }
  const base = new URL(argv[0]);
  return base.origin;
}

// A readable copy of any JSON value for error messages.
function show(value, max = 400) {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > max ? `${text.slice(0, max)}…` : text;
}

function textOf(result) {
  return (result.content ?? [])
    .filter((part) => part && part.type === 'text')
    .map((part) => part.text)
    .join('\n');
}

async function fetchManifest(base) {
  const response = await fetch(`${base}/.well-known/webmcp.json`, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
  check(response.ok, `GET /.well-known/webmcp.json answered HTTP ${response.status}`);
  const manifest = await response.json();
  check(Array.isArray(manifest.tools) && manifest.tools.length > 0, `the manifest lists no tools: ${show(manifest)}`);
  return manifest;
}

// The browser must hold exactly the manifest's tools, as the manifest describes them.
function compareTools(manifest, registered, listed) {
  const expected = manifest.tools.map((tool) => tool.name).sort();
  const names = listed.map((tool) => tool.name).sort();
  check(isDeepStrictEqual(names, expected), `the browser lists tools ${show(names)}, the manifest has ${show(expected)}`);
  check(isDeepStrictEqual([...registered].sort(), expected), `charlaWebMCP.ready reported ${show(registered)}, the manifest has ${show(expected)}`);
  for (const tool of manifest.tools) {
    const seen = listed.find((candidate) => candidate.name === tool.name);
    check(seen.description === tool.description, `${tool.name}: the browser has description ${show(seen.description)}, the manifest ${show(tool.description)}`);
    check(isDeepStrictEqual(seen.inputSchema, tool.inputSchema), `${tool.name}: the browser has inputSchema ${show(seen.inputSchema)}, the manifest ${show(tool.inputSchema)}`);
    // webmcp.js maps MCP's readOnlyHint to the browser's readOnly, and anything not read-only
    // to consequential; Playwright leaves false hints out.
    const readOnly = tool.annotations?.readOnlyHint === true;
    check(Boolean(seen.annotations?.readOnly) === readOnly, `${tool.name}: the browser's readOnly hint is ${show(seen.annotations)}, the manifest's readOnlyHint ${readOnly}`);
    check(Boolean(seen.annotations?.consequential) === !readOnly, `${tool.name}: the browser's consequential hint is ${show(seen.annotations)} for readOnlyHint ${readOnly}`);
  }
  return expected;
}

// catalog_search with a query that matches must give catalog products, as data and as text.
function checkSearchResult(result) {
  check(result && typeof result === 'object', `catalog_search gave ${show(result)}, not a tool result`);
  check(result.isError === false, `catalog_search {"query":"${QUERY}"} failed: ${show(result)}`);
  const items = result.structuredContent?.items;
  check(Array.isArray(items) && items.length > 0, `catalog_search {"query":"${QUERY}"} found no items: ${show(result)}`);
  for (const item of items) {
    check(typeof item.name === 'string' && item.name.length > 0, `an item without a name: ${show(item)}`);
  }
  check(
    items.some((item) => `${item.name} ${item.category ?? ''} ${item.text ?? ''}`.toLowerCase().includes(QUERY)),
    `no item of the "${QUERY}" search mentions ${QUERY}: ${show(items.map((item) => item.name))}`,
  );
  // The text content carries the same result as JSON, for agents that read only text.
  let fromText;
  try {
    fromText = JSON.parse(textOf(result));
  } catch {
    throw new CheckFailed(`catalog_search's text content is not JSON: ${show(textOf(result))}`);
  }
  check(fromText?.items?.length === items.length, `the text content has ${fromText?.items?.length} items, structuredContent ${items.length}`);
  return items;
}

// Bad arguments must come back as a readable tool error, not as an exception.
function checkInvalidResult(result) {
  check(result && typeof result === 'object', `catalog_search with bad arguments gave ${show(result)}, not a tool result`);
  check(result.isError === true, `catalog_search ${show(INVALID_ARGS)} did not fail: ${show(result)}`);
  const message = textOf(result).trim();
  check(message.length > 0, `the error for ${show(INVALID_ARGS)} has no text: ${show(result)}`);
  check(!/\[object |^<|undefined/.test(message), `the error for ${show(INVALID_ARGS)} is not readable: ${show(message)}`);
  return message;
}

// A person searching with the page's form must see the products the agent got.
async function searchWithTheForm(page, agentItems) {
  await page.fill('#q', QUERY);
  await page.click('#go');
  await page.waitForSelector('#results .product, #status.error', { timeout: STEP_TIMEOUT_MS });
  const statusError = await page.locator('#status.error').count();
  check(statusError === 0, `the shop page's search failed: ${await page.textContent('#status')}`);
  const shown = await page.locator('#results .product .product-name').allTextContents();
  check(shown.length > 0, 'the shop page showed no products');
  check(shown[0] === agentItems[0].name, `the page shows ${show(shown[0])} first, the agent got ${show(agentItems[0].name)}`);
  return shown.length;
}

async function run(base) {
  const profile = mkdtempSync(join(tmpdir(), 'charla-webmcp-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHARLA_CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      timeout: STEP_TIMEOUT_MS,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // webmcp.js warns about what it could not register; Chromium's own line for every non-2xx
      // fetch (the 422 below is expected) is left out.
      const text = message.text();
      if ((message.type() === 'warning' || message.type() === 'error') && !text.startsWith('Failed to load resource')) {
        process.stderr.write(`page console ${message.type()}: ${text}\n`);
      }
    });

    const response = await page.goto(`${base}/shop`);
    check(response && response.ok(), `GET /shop answered HTTP ${response && response.status()}`);
    await page.waitForFunction(() => window.charlaWebMCP && window.charlaWebMCP.ready);
    const registered = await page.evaluate(() => window.charlaWebMCP.ready);
    const manifest = await fetchManifest(base);
    const listed = await page.webmcp.tools();
    const tools = compareTools(manifest, registered, listed);
    check(tools.includes('catalog_search'), `the manifest has no catalog_search: ${show(tools)}`);

    const found = await page.webmcp.callTool('catalog_search', { query: QUERY }, { timeout: STEP_TIMEOUT_MS });
    const items = checkSearchResult(found);
    const invalid = await page.webmcp.callTool('catalog_search', INVALID_ARGS, { timeout: STEP_TIMEOUT_MS });
    const invalidMessage = checkInvalidResult(invalid);
    const shopResults = await searchWithTheForm(page, items);
    check(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);

    return {
      ok: true,
      browser: context.browser()?.version() ?? null,
      tools,
      items: items.length,
      first: items[0].name,
      invalid_args_error: invalidMessage,
      shop_results: shopResults,
    };
  } finally {
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

// Playwright's messages carry a call log and terminal colours: one plain line is enough here.
function firstLine(error) {
  const text = String(error?.message ?? error);
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0];
}

async function main() {
  let base;
  try {
    base = parseBase(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  // A hung browser or server must not hang the test suite.
  const watchdog = setTimeout(() => {
    console.error(`webmcp_check: gave up after ${TOTAL_TIMEOUT_MS / 1000} s`);
    process.exit(2);
  }, TOTAL_TIMEOUT_MS);
  try {
    const summary = await run(base);
    console.log(JSON.stringify(summary));
    process.exitCode = 0;
  } catch (error) {
    if (error instanceof CheckFailed) {
      console.error(`webmcp_check: FAILED: ${error.message}`);
      console.log(JSON.stringify({ ok: false, error: error.message }));
      process.exitCode = 1;
    } else {
      console.error(`webmcp_check: could not run: ${error.stack || error}`);
      console.log(JSON.stringify({ ok: false, error: firstLine(error) }));
      process.exitCode = 2;
    }
  } finally {
    clearTimeout(watchdog);
  }
}

await main();
