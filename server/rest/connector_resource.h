// The NDES connector resources of the REST face over a ConnectorStore: what
// each method on each path does, in Graph's terms. Requests are checked by
// the same rules as the gRPC face's (service/connector_requests.h) and
// queries parsed by the same code (query/), so both faces accept, refuse
// and answer alike; only the wire differs.
//
//   GET    /ndesConnectors            200 {"@odata.context", "value": [...],
//                                     "@odata.nextLink"?, "@odata.count"?}
//   GET    /ndesConnectors/$count     200 text/plain, the number matching
//                                     $filter
//   POST   /ndesConnectors            201 the entity (Location, ETag)
//   GET    /ndesConnectors/{id}       200 the entity ($select)
//   PATCH  /ndesConnectors/{id}       200 the entity; 204 with
//                                     Prefer: return=minimal
//   DELETE /ndesConnectors/{id}       204
//
// PATCH and DELETE take If-Match (an @odata.etag, or *); a stale one is 412
// and writes nothing. A PATCH names only the properties to change (null
// clears one; a list is replaced whole); an empty document changes nothing
// and answers the connector as stored. POST takes every writable property
// and optionally "id" (else the store makes one). Both refuse unknown
// properties, values of the wrong type and a changed id with 400.
//
// Paging: a page holds up to $top connectors (kDefaultRestPageSize without
// it) and no more than CallContext::max_page_bytes of them; when more
// follow, @odata.nextLink repeats the request's options with a $skiptoken
// holding the store's page token. $skip passes over that many matching
// connectors first, and $count=true counts every match: both read through
// the store, so they cost time in proportion to what they pass over.
//
// Thread-safe: Handle may be called from any thread; the store answers on
// its own threads or inline.
#ifndef NDES_SERVER_REST_CONNECTOR_RESOURCE_H_
#define NDES_SERVER_REST_CONNECTOR_RESOURCE_H_

#include <string>

#include "rest/rest_message.h"
#include "rest/rest_route.h"
#include "store/connector_store.h"

namespace ndes::rest {

// What one request carries besides itself.
struct RestCall {
  // Deadline, authorization, request id and page bytes for the store.
  store::CallContext context;
  // Where the face is reached, with the version ("https://host:port/beta"):
  // @odata.context, nextLinks and Location start with it.
  std::string base_url;
};

class ConnectorResource {
 public:
  // `store` must outlive this object and every call in flight.
  explicit ConnectorResource(store::ConnectorStore& store) : store_(store) {}

  // Answers `request` to the connector resource `route` names (not kBatch)
  // through `done`, exactly once, inline or from a store thread.
  void Handle(const RestCall& call, const RestRoute& route, RestRequest request,
              RestDone done) const;

  // The RPC a request amounts to, for logs and metrics: GetNdesConnector,
  // ListNdesConnectors, CreateNdesConnector, UpdateNdesConnectors,
  // DeleteNdesConnector; "" for a method the resource does not take.
  static absl::string_view OperationOf(const RestRoute& route,
                                       absl::string_view method);

 private:
  void GetItem(const RestCall& call, std::string id, const RestRequest& request,
               RestDone done) const;
  void Create(const RestCall& call, const RestRequest& request,
              RestDone done) const;
  void Update(const RestCall& call, std::string id, const RestRequest& request,
              RestDone done) const;
  void Delete(const RestCall& call, std::string id, const RestRequest& request,
              RestDone done) const;
  void List(const RestCall& call, const RestRequest& request,
            RestDone done) const;
  void Count(const RestCall& call, const RestRequest& request,
             RestDone done) const;

  store::ConnectorStore& store_;
};

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_CONNECTOR_RESOURCE_H_
