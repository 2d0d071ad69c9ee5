// What a proto3 JSON client can send the gateway, checked with client
// libraries this project did not write: @bufbuild/protobuf (protobuf-es)
// turns the documented JSON into messages, @connectrpc/connect-node sends
// them over gRPC (HTTP/2) to the real ndes-gateway binary on a free port.
//
//   node json_clients_test.mjs GATEWAY_BINARY DESCRIPTOR_SET SOURCE_DIR
//
// DESCRIPTOR_SET is the build's gen/ndes_descriptor_set.pb (every .proto the
// gateway serves, with imports); SOURCE_DIR the repository, whose README.md
// and docs/clients.md hold the examples. Exit code 0 when every test passes.
// The packages come from `npm ci` in this directory (.ci/run does it).

import { existsSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

if (!existsSync(new URL("./node_modules/@connectrpc/connect-node/package.json",
                        import.meta.url))) {
  console.error(
      "tests/protojson/node_modules is missing: run `npm ci` in " +
      "tests/protojson (.ci/run does) before this test.");
  process.exit(1);
}
const { create, createFileRegistry, fromBinary, fromJson, toJson } =
    await import("@bufbuild/protobuf");
const { FileDescriptorSetSchema } = await import("@bufbuild/protobuf/wkt");
const { Code, ConnectError, createClient } = await import("@connectrpc/connect");
const { createGrpcTransport } = await import("@connectrpc/connect-node");

const [gatewayBinary, descriptorSetPath, sourceDir] = process.argv.slice(2);
if (!gatewayBinary || !descriptorSetPath || !sourceDir) {
  console.error("usage: json_clients_test.mjs GATEWAY_BINARY DESCRIPTOR_SET SOURCE_DIR");
  process.exit(2);
}

const registry = createFileRegistry(
    fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));
const kService = registry.getService("ndes.v1.NdesConnectorService");
const kBadRequest = registry.getMessage("google.rpc.BadRequest");
const kUpdateRequest = registry.getMessage("ndes.v1.UpdateNdesConnectorsRequest");
const kConnector = registry.getMessage("ndes.v1.NdesConnector");

// Every writable field of NdesConnector, as a JSON mask: the documented full
// replacement.
const kAllWritableFields =
    "displayName,state,lastConnectionDateTime,machineName,enrolledDateTime," +
    "roleScopeTagIds,connectorVersion";

// --- The gateway as a child process -----------------------------------------

// Starts ndes-gateway on 127.0.0.1:0 with the memory store and resolves
// once its log names the address and health says SERVING.
async function startGateway() {
  const child = spawn(gatewayBinary, ["--store=memory", "--listen=127.0.0.1:0"],
                      { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const address = await new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const match = /serving on (\S+)/.exec(log);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) =>
        reject(new Error(`ndes-gateway exited ${code} before serving:\n${log}`)));
  });
  const transport = createGrpcTransport({ baseUrl: `http://${address}` });
  const health = createClient(registry.getService("grpc.health.v1.Health"),
                              transport);
  const deadline = Date.now() + 30000;
  for (let wait = 5;; wait = Math.min(wait * 2, 200)) {
    try {
      const answer = await health.check({ service: "" }, { timeoutMs: 1000 });
      if (answer.status === 1) break;  // SERVING
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`never SERVING:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return {
    client: createClient(kService, transport),
    log: () => log,
    // SIGTERM; resolves to the exit code.
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      return exited;
    },
  };
}

// --- The documented examples ------------------------------------------------

// The grpcurl examples of a Markdown file: each `grpcurl … -d '<json>' …
// Service/Method` command of a ```sh block, with the "#" comment lines right
// after it (what a reader sees as its expected output).
function grpcurlExamples(relativePath) {
  const text = readFileSync(`${sourceDir}/${relativePath}`, "utf8");
  const examples = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1].split("\n");
    for (let i = 0; i < lines.length; ++i) {
      if (!lines[i].startsWith("grpcurl ")) continue;
      let command = lines[i];
      // Continuation lines, and lines inside a quoted -d body.
      while ((command.endsWith("\\") || quoteOpen(command)) &&
             i + 1 < lines.length) {
        command = command.endsWith("\\")
            ? command.slice(0, -1) + " " + lines[++i]
            : command + "\n" + lines[++i];
      }
      const comments = [];
      while (i + 1 < lines.length && lines[i + 1].startsWith("#")) {
        comments.push(lines[++i].replace(/^#\s*/, ""));
      }
      const body = /-d '([^']*)'/.exec(command);
      const method = /\s(ndes\.v1\.\w+|grpc\.[\w.]+)\/(\w+)/.exec(command);
      if (!body || !method) continue;  // list, describe
      examples.push({
        text: command,
        json: JSON.parse(body[1]),
        service: method[1],
        method: method[2],
        code: comments.find((c) => c.startsWith("Code:"))?.slice(5).trim(),
      });
    }
  }
  return examples;
}

function quoteOpen(command) {
  return (command.match(/'/g) ?? []).length % 2 === 1;
}

// The one README example of `method` whose command contains `marker`.
function readmeExample(method, marker) {
  const found = grpcurlExamples("README.md").filter(
      (e) => e.method === method && e.text.includes(marker));
  assert.equal(found.length, 1,
               `README.md should have one ${method} example with ${marker}`);
  return found[0].json;
}

// Sends `json` as the request of `method` the way a protojson client does:
// fromJson, then binary protobuf over gRPC. Returns the answer as JSON.
async function call(client, method, json) {
  const rpc = kService.methods.find((m) => m.name === method);
  const request = fromJson(rpc.input, json, { registry });
  const answer = await client[rpc.localName](request);
  return toJson(rpc.output, answer, { registry });
}

async function expectError(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(Code[error.code], Code[code], error.message);
    return true;
  });
}

// --- Tests ------------------------------------------------------------------

// The documents' grpcurl examples run in order against one fresh gateway;
// `existing` are the connectors that the document's other examples (ndesctl)
// create before them.
for (const [document, existing] of [["README.md", []],
                                     ["docs/clients.md", ["ndes-01"]]]) {
  test(`every grpcurl example of ${document} gets its documented answer from ` +
       "a protojson client", async () => {
    const examples = grpcurlExamples(document)
        .filter((e) => e.service === "ndes.v1.NdesConnectorService");
    assert.ok(examples.length >= 3, `too few examples in ${document}`);
    const gateway = await startGateway();
    try {
      for (const id of existing) {
        await call(gateway.client, "CreateNdesConnector", { ndesConnector: { id } });
      }
      for (const example of examples) {
        const sent = call(gateway.client, example.method, example.json);
        if (example.code === undefined) {
          await sent.catch((error) => {
            throw new Error(`${example.text}\nfailed: ${error.message}`);
          });
        } else {
          await expectError(sent, Code[example.code]);
        }
      }
    } finally {
      assert.equal(await gateway.stop(), 0);
    }
  });
}

describe("the README's update examples, sent by a protojson client", () => {
  let gateway;
  before(async () => { gateway = await startGateway(); });
  after(async () => { assert.equal(await gateway.stop(), 0); });

  test("create, masked update, clear, full replacement and list do what the " +
       "README says", async () => {
    const created = await call(gateway.client, "CreateNdesConnector",
                               readmeExample("CreateNdesConnector", "ndes-01"));
    assert.equal(created.machineName, "ndes01.contoso.local");

    // Only displayName and state change.
    const masked = await call(gateway.client, "UpdateNdesConnectors",
        readmeExample("UpdateNdesConnectors", '"updateMask": "displayName,state"'));
    assert.equal(masked.displayName, "NDES-01 (primary)");
    assert.equal(masked.state, "NDES_CONNECTOR_STATE_INACTIVE");
    assert.equal(masked.machineName, "ndes01.contoso.local");
    assert.notEqual(masked.etag, created.etag);

    // A masked field left out is cleared; the others stay.
    const cleared = await call(gateway.client, "UpdateNdesConnectors",
        readmeExample("UpdateNdesConnectors", '"updateMask": "machineName"'));
    assert.equal(cleared.machineName, undefined);
    assert.equal(cleared.displayName, "NDES-01 (primary)");

    // Every writable field in the mask: the connector becomes exactly what
    // was sent.
    const replacement = readmeExample("UpdateNdesConnectors", kAllWritableFields);
    const replaced = await call(gateway.client, "UpdateNdesConnectors", replacement);
    const { etag, ...fields } = replaced;
    assert.deepEqual(fields, replacement.ndesConnector);

    const listed = await call(gateway.client, "ListNdesConnectors",
                              readmeExample("ListNdesConnectors", "pageSize"));
    assert.deepEqual(listed.ndesConnectors, [replaced]);
  });

  test("an invalid mask path comes back as INVALID_ARGUMENT with " +
       "google.rpc.BadRequest details", async () => {
    const request = readmeExample("UpdateNdesConnectors", '"updateMask": "colour"');
    await assert.rejects(call(gateway.client, "UpdateNdesConnectors", request),
                         (error) => {
      assert.equal(error.code, Code.InvalidArgument);
      const [details] = error.findDetails(kBadRequest);
      assert.equal(details.fieldViolations[0].field, "update_mask.paths[0]");
      assert.match(details.fieldViolations[0].description, /"colour"/);
      return true;
    });
  });
});

describe("masks a JSON client cannot or should not send", () => {
  let gateway;
  before(async () => { gateway = await startGateway(); });
  after(async () => { assert.equal(await gateway.stop(), 0); });

  const request = (updateMask) => ({
    ndesConnector: { id: "ndes-01", displayName: "x" }, updateMask });

  test("snake_case names are refused by the client before anything is sent",
       () => {
    for (const mask of ["display_name", "displayName,machine_name"]) {
      assert.throws(() => fromJson(kUpdateRequest, request(mask), { registry }),
                    /lowerCamelCase/, mask);
    }
  });

  test("the full-replacement mask is the same update as \"*\"", async () => {
    const values = {
      displayName: "NDES-01", state: "NDES_CONNECTOR_STATE_ACTIVE",
      machineName: "ndes01.contoso.local", roleScopeTagIds: ["0", "7"],
    };
    const initial = {
      ...values, connectorVersion: "6.2", enrolledDateTime: "2026-01-02T03:04:05Z",
      lastConnectionDateTime: "2026-01-02T03:04:05Z",
    };
    for (const id of ["by-json", "by-star"]) {
      await call(gateway.client, "CreateNdesConnector",
                 { ndesConnector: { id, ...initial } });
    }
    const byJson = await call(gateway.client, "UpdateNdesConnectors", {
      ndesConnector: { id: "by-json", ...values }, updateMask: kAllWritableFields });
    // "*" built without JSON: what a binary client sends.
    const star = create(kUpdateRequest, {
      ndesConnector: fromJson(kConnector, { id: "by-star", ...values }),
      updateMask: { paths: ["*"] },
    });
    const byStar = toJson(kConnector, await gateway.client.updateNdesConnectors(star),
                          { registry });
    const withoutIdentity = ({ id, etag, ...rest }) => rest;
    assert.deepEqual(withoutIdentity(byJson), values);
    assert.deepEqual(withoutIdentity(byStar), withoutIdentity(byJson));
  });

  // Go's protojson (grpcurl, buf curl) refuses "*" and "roleScopeTagIds.0"
  // in JSON; protobuf-es passes both through, so the gateway's own rules
  // answer them.
  test("protobuf-es passes \"*\" and paths into a field to the gateway, " +
       "which applies its rules", async () => {
    assert.deepEqual(fromJson(kUpdateRequest, request("*")).updateMask.paths, ["*"]);
    await call(gateway.client, "CreateNdesConnector",
               { ndesConnector: { id: "ndes-01", machineName: "m" } });
    const replaced = await call(gateway.client, "UpdateNdesConnectors", request("*"));
    assert.equal(replaced.machineName, undefined);
    assert.equal(replaced.displayName, "x");

    await expectError(
        call(gateway.client, "UpdateNdesConnectors", request("roleScopeTagIds.0")),
        Code.InvalidArgument);
  });
});
