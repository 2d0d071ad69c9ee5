#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "query/filter.h"
#include "query/odata_filter.h"
#include "query/query_properties.h"
#include "translation/date_time.h"

namespace ndes::query {
namespace {

std::string QuotedString(absl::string_view text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "''"}}), "'");
}

std::string LiteralText(const Literal& literal) {
  struct Writer {
    std::string operator()(NullLiteral) const { return "null"; }
    std::string operator()(const std::string& text) const {
      return QuotedString(text);
    }
    std::string operator()(StateLiteral state) const {
      return QuotedString(GraphStateName(state.number));
    }
    std::string operator()(DateTimeLiteral instant) const {
      google::protobuf::Timestamp ts;
      ts.set_seconds(instant.seconds);
      ts.set_nanos(instant.nanos);
      return translation::FormatGraphDateTime(ts);
    }
  };
  return std::visit(Writer{}, literal);
}

void Write(const Filter& filter, std::string* out);

// Operands of and/or that are and/or themselves keep their grouping.
void WriteOperand(const Filter& operand, std::string* out) {
  const bool group =
      operand.op() == FilterOp::kAnd || operand.op() == FilterOp::kOr;
  if (group) out->push_back('(');
  Write(operand, out);
  if (group) out->push_back(')');
}

void Write(const Filter& filter, std::string* out) {
  const std::string& name = filter.property().field() != nullptr
                                ? filter.property().graph_name()
                                : std::string();
  switch (filter.op()) {
    case FilterOp::kMatchAll:
      return;
    case FilterOp::kEqual:
      absl::StrAppend(out, name, " eq ", LiteralText(filter.values()[0]));
      return;
    case FilterOp::kNotEqual:
      absl::StrAppend(out, name, " ne ", LiteralText(filter.values()[0]));
      return;
    case FilterOp::kIn: {
      absl::StrAppend(out, name, " in (");
      const char* separator = "";
      for (const Literal& value : filter.values()) {
        absl::StrAppend(out, separator, LiteralText(value));
        separator = ",";
      }
      out->push_back(')');
      return;
    }
    case FilterOp::kStartsWith:
      absl::StrAppend(out, "startswith(", name, ",",
                      LiteralText(filter.values()[0]), ")");
      return;
    case FilterOp::kContains:
      absl::StrAppend(out, "contains(", name, ",",
                      LiteralText(filter.values()[0]), ")");
      return;
    case FilterOp::kAnyEqual:
      absl::StrAppend(out, name, "/any(t:t eq ",
                      LiteralText(filter.values()[0]), ")");
      return;
    case FilterOp::kAnd:
    case FilterOp::kOr: {
      const char* separator = "";
      const char* keyword = filter.op() == FilterOp::kAnd ? " and " : " or ";
      for (const Filter& operand : filter.operands()) {
        out->append(separator);
        WriteOperand(operand, out);
        separator = keyword;
      }
      return;
    }
    case FilterOp::kNot:
      out->append("not (");
      Write(filter.operands()[0], out);
      out->push_back(')');
      return;
  }
}

}  // namespace

std::string ToODataFilter(const Filter& filter) {
  std::string out;
  Write(filter, &out);
  return out;
}

}  // namespace ndes::query
