#include "reflection/descriptor_index.h"

#include <cstddef>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"

namespace ndes::reflection {

extern const unsigned char kDescriptorSet[];
extern const std::size_t kDescriptorSetSize;

absl::StatusOr<std::unique_ptr<DescriptorIndex>>
DescriptorIndex::FromSerializedSet(absl::string_view serialized_set) {
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(serialized_set.data(),
                          static_cast<int>(serialized_set.size()))) {
    return absl::InvalidArgumentError("descriptor set does not parse");
  }
  std::unique_ptr<DescriptorIndex> index(new DescriptorIndex());
  // protoc --include_imports lists every file after its imports.
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    if (index->pool_.BuildFile(file) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptor set file ", file.name(), " does not build"));
    }
    index->serialized_files_.emplace(file.name(), file.SerializeAsString());
  }
  return index;
}

const DescriptorIndex& DescriptorIndex::Embedded() {
  static const DescriptorIndex* const embedded = [] {
    auto index = FromSerializedSet(absl::string_view(
        reinterpret_cast<const char*>(kDescriptorSet), kDescriptorSetSize));
    // The set is produced by the build from the project's own protos.
    if (!index.ok()) std::abort();
    return index->release();
  }();
  return *embedded;
}

absl::StatusOr<std::vector<std::string>> DescriptorIndex::FileWithImports(
    absl::string_view file_name) const {
  const google::protobuf::FileDescriptor* root =
      pool_.FindFileByName(std::string(file_name));
  if (root == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown file: ", file_name));
  }
  std::vector<std::string> result;
  std::set<const google::protobuf::FileDescriptor*> seen;
  std::vector<const google::protobuf::FileDescriptor*> pending = {root};
  while (!pending.empty()) {
    const google::protobuf::FileDescriptor* file = pending.back();
    pending.pop_back();
    if (!seen.insert(file).second) continue;
    result.push_back(serialized_files_.find(file->name())->second);
    for (int i = 0; i < file->dependency_count(); ++i) {
      pending.push_back(file->dependency(i));
    }
  }
  return result;
}

absl::StatusOr<std::vector<std::string>> DescriptorIndex::FileContainingSymbol(
    absl::string_view symbol) const {
  const google::protobuf::FileDescriptor* file =
      pool_.FindFileContainingSymbol(std::string(symbol));
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown symbol: ", symbol));
  }
  return FileWithImports(file->name());
}

bool DescriptorIndex::HasMessage(absl::string_view full_name) const {
  return pool_.FindMessageTypeByName(std::string(full_name)) != nullptr;
}

}  // namespace ndes::reflection
