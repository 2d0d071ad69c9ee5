// An index over a FileDescriptorSet for answering server reflection: which
// file defines a symbol, and the serialized file with everything it imports.
//
// The files are kept exactly as protoc wrote them, comments (source info)
// included, so reflection clients such as `grpcurl describe` show them.
//
// Immutable after construction; thread-safe.
#ifndef NDES_SERVER_REFLECTION_DESCRIPTOR_INDEX_H_
#define NDES_SERVER_REFLECTION_DESCRIPTOR_INDEX_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace ndes::reflection {

class DescriptorIndex {
 public:
  // Builds the index from a serialized google.protobuf.FileDescriptorSet
  // whose files come with their imports (protoc --include_imports).
  // INVALID_ARGUMENT if it does not parse or a file does not build.
  static absl::StatusOr<std::unique_ptr<DescriptorIndex>> FromSerializedSet(
      absl::string_view serialized_set);

  // The set embedded in the gateway binary (proto/CMakeLists.txt).
  static const DescriptorIndex& Embedded();

  // Serialized FileDescriptorProtos of `file_name` and of every file it
  // imports, transitively, the named file first. NOT_FOUND if unknown.
  absl::StatusOr<std::vector<std::string>> FileWithImports(
      absl::string_view file_name) const;

  // The same, for the file that defines `symbol` (a fully qualified
  // message, enum, service, method or field name).
  absl::StatusOr<std::vector<std::string>> FileContainingSymbol(
      absl::string_view symbol) const;

  // Whether `full_name` is a message type the index knows.
  bool HasMessage(absl::string_view full_name) const;

 private:
  DescriptorIndex() = default;

  google::protobuf::DescriptorPool pool_;
  std::map<std::string, std::string, std::less<>> serialized_files_;
};

}  // namespace ndes::reflection

#endif  // NDES_SERVER_REFLECTION_DESCRIPTOR_INDEX_H_
