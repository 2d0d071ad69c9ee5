// The PostgreSQL store's connection URI and password: the URI as messages
// show it (password redacted), the password read from a file, and the
// texts no message of the store may contain. postgres_connector_store.h
// includes this header; the functions in postgres_internal are internal to
// PostgresConnectorStore.
//
// Thread-safety: pure functions (ReadPasswordFile reads a file).
#ifndef NDES_SERVER_STORE_POSTGRES_URI_H_
#define NDES_SERVER_STORE_POSTGRES_URI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::store {

// `uri` with the password of its user info and any password=... query
// parameter replaced by "***", for logs and messages. Anything that is not
// a postgresql:// or postgres:// URI is returned as "***" entirely when it
// mentions "password", and unchanged otherwise.
std::string RedactConnectionUri(absl::string_view uri);

// The password in the file at `path`: its content without the line break
// that ends it (other whitespace is part of the password). FAILED_PRECONDITION
// naming the file, never its content, when it cannot be read or is empty.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

namespace postgres_internal {

// The texts no message may contain when connecting with `uri` and
// `password`: the password, and the URI's own password as written and as
// libpq decodes it. INVALID_ARGUMENT naming the redacted URI when libpq
// cannot parse `uri`.
absl::StatusOr<std::vector<std::string>> ConnectionSecrets(
    const std::string& uri, const std::string& password);

// `message` with every secret replaced by "***".
std::string ScrubSecrets(std::string message, std::vector<std::string> secrets);

}  // namespace postgres_internal
}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_POSTGRES_URI_H_
