// The gateway's Graph REST face, driven by Microsoft's JavaScript Graph
// client (@microsoft/microsoft-graph-client), which this project did not
// write: what its users' code does, with the answers Graph documents.
//
//   NDES_REST_URL=https://127.0.0.1:PORT/beta \
//   NDES_REST_TOKEN=<bearer token> \
//   NODE_EXTRA_CA_CERTS=ca.pem \
//   node graph_client_test.mjs SCENARIO [ARG]
//
// NDES_REST_URL is the face's URL as the gateway logs it ("REST face on
// ..."); the client treats only https:// URLs as absolute, so the face runs
// with TLS and node trusts its CA through NODE_EXTRA_CA_CERTS.
// NDES_REST_TOKEN is handed to the client's authProvider (any value with
// --auth=none). SCENARIO is one of
//   conformance  create, page, query, get, patch, conditional writes,
//                errors, batch and delete (node:test; exit code 1 when a
//                test fails)
//   read-only    with a token that may read but not write: list works, POST
//                is refused with 403
//   unauthenticated  with a token the gateway does not accept: 401
//   get ID       prints the connector ID as the client reads it (JSON)
//   create NAME  creates a connector named NAME, prints it (JSON)
// The package comes from `npm ci` in this directory (.ci/run does it).

import { existsSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";

if (!existsSync(new URL(
        "./node_modules/@microsoft/microsoft-graph-client/package.json",
        import.meta.url))) {
  console.error(
      "tests/graphjs/node_modules is missing: run `npm ci` in " +
      "tests/graphjs (.ci/run does) before this test.");
  process.exit(1);
}
const {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  GraphError,
  PageIterator,
  ResponseType,
} = await import("@microsoft/microsoft-graph-client");

// The client turns a failed fetch (TLS, connection) into a GraphError
// without its cause: say it here.
const fetchWithoutReport = globalThis.fetch;
globalThis.fetch = async (resource, options) => {
  try {
    return await fetchWithoutReport(resource, options);
  } catch (error) {
    const cause = error?.cause;
    console.error(`fetch ${resource?.url ?? resource} failed: ${error}` +
                  (cause ? ` (${cause.code ?? ""} ${cause.message ?? cause})`
                         : ""));
    throw error;
  }
};

const kRestUrl = process.env.NDES_REST_URL;
if (!kRestUrl || !kRestUrl.startsWith("https://")) {
  console.error(
      "NDES_REST_URL must be the face's https:// URL, e.g. " +
      "https://127.0.0.1:8443/beta (got " + JSON.stringify(kRestUrl) + ")");
  process.exit(2);
}
const kFace = new URL(kRestUrl);
const kVersion = kFace.pathname.replace(/^\/+|\/+$/g, "");  // "beta"
const kCollection = "/deviceManagement/ndesConnectors";
const kType = "#microsoft.graph.ndesConnector";

// The client as its documentation sets it up, pointed at the face: the
// origin as baseUrl, the version apart, and the face's host among the hosts
// that get the Authorization and client-request-id headers.
const client = Client.init({
  authProvider: (done) => done(null, process.env.NDES_REST_TOKEN || "unused"),
  baseUrl: kFace.origin,
  defaultVersion: kVersion,
  customHosts: new Set([kFace.hostname]),
});

const item = (id) => `${kCollection}/${encodeURIComponent(id)}`;

// Resolves to the GraphError `promise` rejects with; fails when it resolves.
async function graphErrorOf(promise) {
  try {
    const value = await promise;
    assert.fail("expected a GraphError, got " + JSON.stringify(value));
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.ok(error instanceof GraphError,
              "expected a GraphError, got " + (error?.stack ?? error));
    return error;
  }
}

// What Graph's error envelope gives every GraphError: the code, a message,
// and innerError's request-id (equal to the response's request-id header)
// and client-request-id.
function assertGraphError(error, statusCode, code) {
  const context = JSON.stringify({ statusCode: error.statusCode,
                                   code: error.code, body: error.body });
  assert.equal(error.statusCode, statusCode, context);
  if (code === undefined) {
    assert.ok(typeof error.code === "string" && error.code.length > 0, context);
  } else {
    assert.equal(error.code, code, context);
  }
  assert.ok(error.message.length > 0, context);
  assert.ok(typeof error.requestId === "string" && error.requestId.length > 0,
            "innerError has no request-id: " + context);
  assert.equal(error.headers?.get("request-id"), error.requestId, context);
  const inner = JSON.parse(error.body).innerError;
  assert.ok(inner["client-request-id"], "no innerError.client-request-id: " +
            context);
  assert.ok(!Number.isNaN(error.date.getTime()), "innerError.date: " + context);
}

function assertEntity(connector) {
  assert.equal(typeof connector?.id, "string", JSON.stringify(connector));
  assert.ok(connector.id.length > 0);
  assert.equal(connector["@odata.type"], kType, JSON.stringify(connector));
  assert.ok(typeof connector["@odata.etag"] === "string" &&
            connector["@odata.etag"].length > 0,
            "no @odata.etag: " + JSON.stringify(connector));
}

// Property names of an entity, without OData annotations.
const properties = (connector) =>
    Object.keys(connector).filter((name) => !name.includes("@")).sort();

// --- Scenarios --------------------------------------------------------------

function conformance() {
  // Names unique to this run, so that the assertions hold whatever else the
  // store holds.
  const prefix = `graphjs-${randomUUID().slice(0, 8)}-`;
  const created = [];

  test("POST creates connectors: 201 with the entity, its id and etag",
       async () => {
    for (let i = 0; i < 5; ++i) {
      const body = {
        "@odata.type": kType,
        displayName: `${prefix}${i}`,
        state: i % 2 === 0 ? "active" : "inactive",
        machineName: `ndes0${i}.contoso.test`,
        enrolledDateTime: "2026-01-02T03:04:05Z",
        roleScopeTagIds: ["0", String(i)],
        connectorVersion: "6.2301.1.0",
      };
      const raw = await client.api(kCollection).responseType(ResponseType.RAW)
                      .post(body);
      assert.equal(raw.status, 201);
      assert.ok(raw.headers.get("request-id"), "no request-id header");
      assert.match(raw.headers.get("content-type") ?? "",
                   /^application\/json/);
      const connector = await raw.json();
      assertEntity(connector);
      assert.ok(connector["@odata.context"]?.endsWith(
                    "$metadata#deviceManagement/ndesConnectors/$entity"),
                JSON.stringify(connector));
      for (const name of ["displayName", "state", "machineName",
                          "roleScopeTagIds", "connectorVersion"]) {
        assert.deepEqual(connector[name], body[name], name);
      }
      assert.equal(Date.parse(connector.enrolledDateTime),
                   Date.parse(body.enrolledDateTime));
      created.push(connector);
    }
    assert.equal(new Set(created.map((c) => c.id)).size, created.length,
                 "ids are not unique");
  });

  test("top(2) pages with $skiptoken nextLinks, and PageIterator sees every " +
       "connector exactly once", async () => {
    const first = await client.api(kCollection).top(2).get();
    assert.ok(first["@odata.context"]?.endsWith(
                  "$metadata#deviceManagement/ndesConnectors"),
              JSON.stringify(first["@odata.context"]));
    assert.equal(first.value.length, 2);
    const nextLink = first["@odata.nextLink"];
    assert.ok(nextLink?.startsWith(kRestUrl + kCollection + "?"),
              "nextLink: " + nextLink);
    assert.ok(new URL(nextLink).searchParams.get("$skiptoken"),
              "no $skiptoken in " + nextLink);

    // Every page by hand: none larger than asked.
    let pages = 1;
    for (let page = first; page["@odata.nextLink"]; ++pages) {
      page = await client.api(page["@odata.nextLink"]).get();
      assert.ok(page.value.length <= 2, `page ${pages + 1}: ` +
                page.value.length + " items");
    }
    assert.ok(pages >= Math.ceil(created.length / 2), `${pages} pages`);

    const seen = new Map();
    const iterator = new PageIterator(client, first, (connector) => {
      seen.set(connector.id, (seen.get(connector.id) ?? 0) + 1);
      return true;
    });
    await iterator.iterate();
    assert.ok(iterator.isComplete());
    for (const [id, times] of seen) {
      assert.equal(times, 1, `${id} seen ${times} times`);
    }
    for (const connector of created) {
      assert.equal(seen.get(connector.id), 1, `${connector.id} not seen`);
    }
  });

  test("count(true) adds @odata.count, the size of the whole collection",
       async () => {
    const page = await client.api(kCollection).count(true).top(2).get();
    assert.equal(typeof page["@odata.count"], "number", JSON.stringify(page));
    let total = 0;
    await new PageIterator(client, page, () => { ++total; return true; })
        .iterate();
    assert.equal(page["@odata.count"], total);
    assert.ok(total >= created.length);
  });

  test("$filter eq, startswith/and, in select what Graph would", async () => {
    const one = await client.api(kCollection)
                    .filter(`displayName eq '${prefix}1'`).get();
    assert.deepEqual(one.value.map((c) => c.id), [created[1].id]);

    const active = await client.api(kCollection)
        .filter(`startswith(displayName,'${prefix}') and state eq 'active'`)
        .get();
    assert.deepEqual(active.value.map((c) => c.id).sort(),
                     created.filter((c) => c.state === "active")
                         .map((c) => c.id).sort());

    const some = await client.api(kCollection)
        .filter(`displayName in ('${prefix}0','${prefix}4')`).get();
    assert.deepEqual(some.value.map((c) => c.id).sort(),
                     [created[0].id, created[4].id].sort());
  });

  test("$filter that Graph cannot parse is 400 with the envelope",
       async () => {
    const error = await graphErrorOf(
        client.api(kCollection).filter("displayName eq").get());
    assertGraphError(error, 400);
  });

  test("$orderby displayName desc orders the page", async () => {
    const page = await client.api(kCollection)
        .filter(`startswith(displayName,'${prefix}')`)
        .orderby("displayName desc").get();
    assert.deepEqual(page.value.map((c) => c.displayName),
                     created.map((c) => c.displayName).sort().reverse());
  });

  test("$select returns only the selected properties", async () => {
    const page = await client.api(kCollection)
        .filter(`startswith(displayName,'${prefix}')`)
        .select(["id", "displayName"]).get();
    assert.equal(page.value.length, created.length);
    for (const connector of page.value) {
      assert.deepEqual(properties(connector), ["displayName", "id"],
                       JSON.stringify(connector));
    }
    const one = await client.api(item(created[2].id))
                    .select("machineName").get();
    assert.equal(one.machineName, created[2].machineName);
    assert.equal(one.displayName, undefined, JSON.stringify(one));
  });

  test("GET one connector returns what POST returned", async () => {
    const connector = await client.api(item(created[0].id)).get();
    assert.ok(connector["@odata.context"]?.endsWith(
                  "$metadata#deviceManagement/ndesConnectors/$entity"),
              JSON.stringify(connector));
    const { ["@odata.context"]: _a, ...read } = connector;
    const { ["@odata.context"]: _b, ...posted } = created[0];
    assert.deepEqual(read, posted);
  });

  test("PATCH answers 200 with the entity, changed, with a new etag",
       async () => {
    const before = created[1];
    const after = await client.api(item(before.id))
                      .patch({ displayName: `${prefix}1-renamed` });
    assertEntity(after);
    assert.equal(after.id, before.id);
    assert.equal(after.displayName, `${prefix}1-renamed`);
    assert.equal(after.machineName, before.machineName);
    assert.notEqual(after["@odata.etag"], before["@odata.etag"]);
    created[1] = after;
  });

  test("PATCH with Prefer: return=minimal resolves to undefined (204)",
       async () => {
    const target = created[3];
    const answer = await client.api(item(target.id))
                       .header("Prefer", "return=minimal")
                       .patch({ machineName: "minimal.contoso.test" });
    assert.equal(answer, undefined);
    const read = await client.api(item(target.id)).get();
    assert.equal(read.machineName, "minimal.contoso.test");
    assert.notEqual(read["@odata.etag"], target["@odata.etag"]);
    created[3] = read;
  });

  test("PATCH with the current If-Match succeeds", async () => {
    const target = created[3];
    const after = await client.api(item(target.id))
                      .header("If-Match", target["@odata.etag"])
                      .patch({ connectorVersion: "6.2401.0.0" });
    assert.equal(after.connectorVersion, "6.2401.0.0");
    created[3] = after;
  });

  test("PATCH with a stale If-Match is GraphError 412 and changes nothing",
       async () => {
    const target = created[1];
    const stale = `W/"${randomUUID()}"`;
    const error = await graphErrorOf(
        client.api(item(target.id)).header("If-Match", stale)
            .patch({ displayName: "must not be written" }));
    assertGraphError(error, 412, "PreconditionFailed");
    const read = await client.api(item(target.id)).get();
    assert.equal(read.displayName, target.displayName);
    assert.equal(read["@odata.etag"], target["@odata.etag"]);
  });

  test("GET of an unknown id is GraphError 404 ResourceNotFound, echoing " +
       "client-request-id", async () => {
    const clientRequestId = randomUUID();
    const error = await graphErrorOf(
        client.api(item(`missing-${randomUUID()}`))
            .header("client-request-id", clientRequestId).get());
    assertGraphError(error, 404, "ResourceNotFound");
    assert.equal(JSON.parse(error.body).innerError["client-request-id"],
                 clientRequestId);
    assert.equal(error.headers.get("client-request-id"), clientRequestId);
  });

  test("PATCH of an unknown property is GraphError 400", async () => {
    const error = await graphErrorOf(
        client.api(item(created[0].id)).patch({ notAProperty: 1 }));
    assertGraphError(error, 400);
  });

  // Steps of a batch as the client's documentation builds them: Request
  // objects with absolute URLs. This client version keeps the version
  // segment in the step's url when the Request's URL has one; Graph wants it
  // relative to the batch's version, so these URLs have none (the face
  // takes both; step 5 below keeps it).
  const step = (id, method, path, { body, headers = {}, dependsOn } = {}) => ({
    id,
    request: new Request(`${kFace.origin}${path}`, {
      method,
      headers: body === undefined
          ? headers
          : { "Content-Type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    dependsOn,
  });

  test("$batch: BatchRequestContent with dependsOn, each step's own status",
       async () => {
    const batch = new BatchRequestContent([
      step("1", "POST", kCollection, { body: { displayName: `${prefix}b` } }),
      step("2", "GET", `${kCollection}?$filter=displayName eq '${prefix}b'`,
           { dependsOn: ["1"] }),
      step("3", "PATCH", item(created[0].id),
           { body: { machineName: "batched.contoso.test" },
             dependsOn: ["1"] }),
      step("4", "GET", item(`missing-${randomUUID()}`), { dependsOn: ["1"] }),
      // What the client makes of a Request with the version in its URL.
      { id: "5", request: new Request(kRestUrl + item(created[4].id)),
        dependsOn: ["1"] },
    ]);
    const answer = await client.api("/$batch").post(await batch.getContent());
    assert.equal(answer.responses?.length, 5, JSON.stringify(answer));
    const responses = new BatchResponseContent(answer);
    const statusOf = (id) => responses.getResponseById(id)?.status;

    assert.equal(statusOf("1"), 201, JSON.stringify(answer));
    const posted = await responses.getResponseById("1").json();
    assertEntity(posted);
    assert.equal(posted.displayName, `${prefix}b`);
    created.push(posted);

    assert.equal(statusOf("2"), 200, JSON.stringify(answer));
    const listed = await responses.getResponseById("2").json();
    assert.deepEqual(listed.value.map((c) => c.id), [posted.id]);

    assert.equal(statusOf("3"), 200, JSON.stringify(answer));
    const patched = await responses.getResponseById("3").json();
    assert.equal(patched.machineName, "batched.contoso.test");
    created[0] = patched;

    assert.equal(statusOf("4"), 404, JSON.stringify(answer));
    const missing = await responses.getResponseById("4").json();
    assert.equal(missing.error?.code, "ResourceNotFound",
                 JSON.stringify(missing));

    assert.equal(statusOf("5"), 200, JSON.stringify(answer));
    assert.equal((await responses.getResponseById("5").json()).id,
                 created[4].id);
  });

  test("$batch: a step whose dependency failed is 424 and does not run",
       async () => {
    const target = created[2];
    const batch = new BatchRequestContent([
      step("1", "PATCH", item(target.id),
           { body: { displayName: "stale" },
             headers: { "If-Match": `W/"${randomUUID()}"` } }),
      step("2", "DELETE", item(target.id), { dependsOn: ["1"] }),
      step("3", "GET", item(target.id), { dependsOn: ["2"] }),
    ]);
    const answer = await client.api("/$batch").post(await batch.getContent());
    const responses = new BatchResponseContent(answer);
    const statuses = ["1", "2", "3"].map(
        (id) => responses.getResponseById(id)?.status);
    assert.deepEqual(statuses, [412, 424, 424], JSON.stringify(answer));
    const read = await client.api(item(target.id)).get();
    assert.equal(read["@odata.etag"], target["@odata.etag"]);
  });

  test("DELETE with a stale If-Match is GraphError 412", async () => {
    const error = await graphErrorOf(
        client.api(item(created[4].id))
            .header("If-Match", `W/"${randomUUID()}"`).delete());
    assertGraphError(error, 412, "PreconditionFailed");
  });

  test("DELETE answers 204 (undefined); the connector is gone", async () => {
    for (const connector of created) {
      const raw = await client.api(item(connector.id))
                      .responseType(ResponseType.RAW).delete();
      assert.equal(raw.status, 204, connector.id);
      const error = await graphErrorOf(client.api(item(connector.id)).get());
      assertGraphError(error, 404, "ResourceNotFound");
    }
    const error = await graphErrorOf(
        client.api(item(`missing-${randomUUID()}`)).delete());
    assertGraphError(error, 404, "ResourceNotFound");
  });
}

function readOnly() {
  test("a token without write permission lists (200)", async () => {
    const page = await client.api(kCollection).top(1).get();
    assert.ok(Array.isArray(page.value), JSON.stringify(page));
  });

  test("a token without write permission gets GraphError 403 on POST",
       async () => {
    const error = await graphErrorOf(
        client.api(kCollection).post({ displayName: "must not be written" }));
    assertGraphError(error, 403, "Forbidden");
  });
}

function unauthenticated() {
  test("a token the gateway does not accept gets GraphError 401 with " +
       "WWW-Authenticate: Bearer", async () => {
    const error = await graphErrorOf(client.api(kCollection).get());
    assertGraphError(error, 401, "InvalidAuthenticationToken");
    assert.match(error.headers.get("www-authenticate") ?? "", /^Bearer/);
  });
}

async function printConnector(promise) {
  try {
    console.log(JSON.stringify(await promise));
  } catch (error) {
    console.error(error instanceof GraphError
        ? `GraphError ${error.statusCode} ${error.code}: ${error.message}`
        : error?.stack ?? String(error));
    process.exit(1);
  }
}

const [scenario, argument] = process.argv.slice(2);
switch (scenario) {
  case "conformance":
    conformance();
    break;
  case "read-only":
    readOnly();
    break;
  case "unauthenticated":
    unauthenticated();
    break;
  case "get":
    await printConnector(client.api(item(argument)).get());
    break;
  case "create":
    await printConnector(
        client.api(kCollection).post({ displayName: argument }));
    break;
  default:
    console.error("usage: graph_client_test.mjs " +
                  "conformance | read-only | unauthenticated | get ID | " +
                  "create NAME");
    process.exit(2);
}
