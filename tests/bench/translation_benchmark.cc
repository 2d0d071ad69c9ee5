// Microbenchmarks of the translation layer (server/translation/), beside
// protobuf's own JSON conversion of the same message for scale: what one
// update costs in the gateway before any I/O.
//
//   ndes-translation-benchmark --benchmark_min_time=0.5
//
// BM_PlanAndPatch*: PlanFieldMask + BuildGraphPatchDocument (+ serializing
//   the document, what the Graph backend sends).
// BM_ApplyFields: CopyFields of the planned fields onto a stored connector,
//   what the embedded stores do per update.
// BM_GraphJsonToConnector / BM_ConnectorToGraphJson: parse + convert, and
//   convert + serialize, of a full connector.
// BM_Protobuf*: protobuf's JsonStringToMessage / MessageToJsonString of the
//   same connector (proto3 JSON, whose names are Graph's).

#include <string>

#include "benchmark/benchmark.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "translation/field_mask_plan.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"

namespace {

using ndes::v1::NdesConnector;

NdesConnector FullConnector() {
  NdesConnector connector;
  connector.set_id("0f8c2f4e-6c55-4b1b-9f6a-3b1f2a9e7d10");
  connector.set_display_name("NDES-01 (primary)");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1767225600);
  connector.mutable_last_connection_date_time()->set_nanos(123456700);
  connector.set_machine_name("ndes01.contoso.local");
  connector.mutable_enrolled_date_time()->set_seconds(1735689600);
  connector.add_role_scope_tag_ids("0");
  connector.add_role_scope_tag_ids("12");
  connector.set_connector_version("6.2301.1.0");
  connector.set_etag("W/\"42\"");
  return connector;
}

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* path : paths) mask.add_paths(path);
  return mask;
}

void PlanAndPatch(benchmark::State& state,
                  const google::protobuf::FieldMask& mask) {
  const NdesConnector connector = FullConnector();
  for (auto _ : state) {
    absl::StatusOr<ndes::translation::FieldMaskPlan> plan =
        ndes::translation::PlanFieldMask(mask, connector);
    if (!plan.ok()) {
      state.SkipWithError("PlanFieldMask failed");
      break;
    }
    std::string body =
        ndes::translation::BuildGraphPatchDocument(connector, plan->fields)
            .serialize();
    benchmark::DoNotOptimize(body);
  }
}

void BM_PlanAndPatchDisplayName(benchmark::State& state) {
  PlanAndPatch(state, Mask({"display_name"}));
}
BENCHMARK(BM_PlanAndPatchDisplayName);

void BM_PlanAndPatchAllFields(benchmark::State& state) {
  PlanAndPatch(state, Mask({"*"}));
}
BENCHMARK(BM_PlanAndPatchAllFields);

void BM_ApplyFields(benchmark::State& state) {
  const NdesConnector stored = FullConnector();
  NdesConnector changed = stored;
  changed.set_display_name("NDES-01 (secondary)");
  const ndes::v1::ConnectorFieldSet fields =
      ndes::translation::PlanFieldMask(Mask({"display_name"}), changed)->fields;
  for (auto _ : state) {
    NdesConnector next = stored;
    ndes::v1::CopyFields(changed, fields, &next);
    benchmark::DoNotOptimize(next);
  }
}
BENCHMARK(BM_ApplyFields);

void BM_GraphJsonToConnector(benchmark::State& state) {
  const std::string body =
      ndes::translation::ConnectorToGraphJson(FullConnector()).serialize();
  for (auto _ : state) {
    absl::StatusOr<NdesConnector> connector =
        ndes::translation::ConnectorFromGraphJson(
            web::json::value::parse(body));
    if (!connector.ok()) {
      state.SkipWithError("ConnectorFromGraphJson failed");
      break;
    }
    benchmark::DoNotOptimize(connector);
  }
}
BENCHMARK(BM_GraphJsonToConnector);

void BM_ConnectorToGraphJson(benchmark::State& state) {
  const NdesConnector connector = FullConnector();
  for (auto _ : state) {
    std::string body =
        ndes::translation::ConnectorToGraphJson(connector).serialize();
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_ConnectorToGraphJson);

void BM_ProtobufJsonToMessage(benchmark::State& state) {
  std::string body;
  google::protobuf::util::JsonPrintOptions print_options;
  if (!google::protobuf::util::MessageToJsonString(FullConnector(), &body,
                                                   print_options)
           .ok()) {
    state.SkipWithError("MessageToJsonString failed");
    return;
  }
  for (auto _ : state) {
    NdesConnector connector;
    if (!google::protobuf::util::JsonStringToMessage(body, &connector).ok()) {
      state.SkipWithError("JsonStringToMessage failed");
      break;
    }
    benchmark::DoNotOptimize(connector);
  }
}
BENCHMARK(BM_ProtobufJsonToMessage);

void BM_ProtobufMessageToJson(benchmark::State& state) {
  const NdesConnector connector = FullConnector();
  google::protobuf::util::JsonPrintOptions print_options;
  for (auto _ : state) {
    std::string body;
    if (!google::protobuf::util::MessageToJsonString(connector, &body,
                                                     print_options)
             .ok()) {
      state.SkipWithError("MessageToJsonString failed");
      break;
    }
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_ProtobufMessageToJson);

}  // namespace

BENCHMARK_MAIN();
