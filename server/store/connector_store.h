// The backing store of NDES connectors: the one interface the gRPC service
// knows. Implementations: MemoryConnectorStore (--store=memory),
// SqliteConnectorStore (--store=sqlite:PATH, the default); the Graph upstream
// implements it too.
//
// Calls are asynchronous: each takes a callback that the store invokes exactly
// once (arguments are only valid during the call: copy what is kept), either
// before the call returns (inline) or later on a thread of the store's own.
// Callers must not hold a lock the callback needs. The store never blocks the
// calling thread on network I/O; an embedded store may do local disk reads
// inline.
//
// Preconditions the service guarantees (stores may assume them): ids follow
// translation/resource_id.h (except Create's, which may be empty), a
// ListQuery's page size is in [1, kMaxPageSize], the fields of an UpdateCommand
// come from translation::PlanFieldMask (never empty) and hold valid values, and
// connectors to create hold valid values.
//
// Errors (absl::StatusCode):
//   NOT_FOUND        the id does not exist (Get, Update without
//                    create_if_missing, Delete)
//   ALREADY_EXISTS   Create with an id that exists
//   ABORTED          expected_etag given and not the stored one; nothing
//                    written
//   INVALID_ARGUMENT a page token this store did not issue (or issued for
//                    another filter, order or selection)
//   UNAVAILABLE      the store cannot be reached now; the call may be retried
//   INTERNAL         stored data that cannot be read, or a store fault
// Every write is atomic: on any error nothing is written, and a write is
// acknowledged (callback with OK) only once it is durable for that store.
//
// Implementations are thread-safe.
#ifndef NDES_SERVER_STORE_CONNECTOR_STORE_H_
#define NDES_SERVER_STORE_CONNECTOR_STORE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/filter.h"
#include "query/order_by.h"
#include "query/selection.h"

namespace ndes::store {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;
// Half of gRPC's default 4 MiB message limit.
inline constexpr std::size_t kDefaultMaxPageBytes = 2 * 1024 * 1024;

// What a store may need to know about the gRPC call it serves.
struct CallContext {
  // The caller's deadline; a store that waits on a remote peer gives up then.
  absl::Time deadline = absl::InfiniteFuture();
  // The caller's `authorization` metadata, for stores that forward it.
  std::string authorization;
  // The call's request id (the caller's x-request-id, or generated): stores
  // that call a remote peer send it along (Graph: client-request-id) and
  // never use it for anything else.
  std::string request_id;
  // The most bytes a List page's connectors may take in the answer
  // (page_budget.h); the service derives it from its message limit.
  std::size_t max_page_bytes = kDefaultMaxPageBytes;
};

// A masked update: which fields to write, and their values. Applying it
// sets each field of `fields` to its value in `values` (an unset value
// clears the field; a list is replaced whole) and leaves the others alone,
// exactly as Graph applies the PATCH document of those fields
// (translation/graph_patch.h), which is what the Graph backend sends.
struct UpdateCommand {
  // The target; never changes.
  std::string id;
  // The fields to write; never empty.
  ndes::v1::ConnectorFieldSet fields;
  // Their values (other fields, id and etag are ignored, except for
  // create_if_missing).
  ndes::v1::NdesConnector values;
  // When not empty, write only if the stored etag is exactly this.
  std::string expected_etag;
  // allow_missing: a missing id is created from every writable field of
  // `values` (with id `id`) instead of answering NOT_FOUND.
  bool create_if_missing = false;
};

// What a List asks for: one page of the connectors that match `filter`, in
// `order`, each reduced to `selection` (query/ has the rules, the same for
// every face and store).
struct ListQuery {
  int page_size = kDefaultPageSize;
  // The previous page's next_page_token; empty for the first page. A token
  // carries the position only: the filter, order and selection must be the
  // ones of the query that issued it (the page size may change).
  std::string page_token;
  query::Filter filter;
  // Empty: id order.
  query::OrderBy order;
  query::Selection selection;
};

struct ListPage {
  // In the query's order, reduced to its selection.
  std::vector<ndes::v1::NdesConnector> connectors;
  // Opaque; empty on the last page.
  std::string next_page_token;
};

template <typename T>
using StoreCallback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;
using StatusCallback = absl::AnyInvocable<void(absl::Status) &&>;

class ConnectorStore {
 public:
  virtual ~ConnectorStore() = default;

  // The connector with `id`, with its current etag.
  virtual void Get(const CallContext& context, std::string id,
                   StoreCallback<ndes::v1::NdesConnector> done) = 0;

  // The page of `query` after the position its page token encodes (empty:
  // from the start): up to page_size matching connectors, and no more than
  // fit in context.max_page_bytes (at least one): a page cut short by its
  // bytes has a next_page_token like a full one.
  // INVALID_ARGUMENT for a page token this store did not issue, or issued
  // for another filter, order or selection.
  virtual void List(const CallContext& context, ListQuery query,
                    StoreCallback<ListPage> done) = 0;

  // Stores `connector` (its etag ignored) and answers it as stored, with its
  // new etag. An empty id is replaced by a generated UUID.
  virtual void Create(const CallContext& context,
                      ndes::v1::NdesConnector connector,
                      StoreCallback<ndes::v1::NdesConnector> done) = 0;

  // Applies `command` and answers the whole connector as now stored, with
  // its new etag.
  virtual void Update(const CallContext& context, UpdateCommand command,
                      StoreCallback<ndes::v1::NdesConnector> done) = 0;

  // Removes the connector; with a non-empty `expected_etag`, only if it
  // still has that etag.
  virtual void Delete(const CallContext& context, std::string id,
                      std::string expected_etag, StatusCallback done) = 0;

  // False while the store cannot serve at all (its database is unreachable);
  // the server then reports health NOT_SERVING until it is true again. Must
  // be cheap and never block: the server polls it.
  virtual bool Available() const { return true; }
};

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_CONNECTOR_STORE_H_
