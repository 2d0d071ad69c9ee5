#include "graph/graph_list_pages.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cpprest/json.h"
#include "graph/graph_answer.h"
#include "graph/graph_list_query.h"
#include "query/filter.h"
#include "query/query_fingerprint.h"
#include "query/selection.h"
#include "store/page_budget.h"
#include "translation/status_details.h"

namespace ndes::graph {
namespace {

using ndes::internal::GraphListCursor;
using ndes::v1::NdesConnector;

constexpr int kRecentLinks = 8;

// 64 bits of SHA-256 of a nextLink's query.
std::uint64_t LinkHash(absl::string_view query) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(query.data(), query.size(), digest, &length, EVP_sha256(),
             nullptr);
  std::uint64_t hash = 0;
  std::memcpy(&hash, digest, sizeof hash);
  return hash;
}

bool SeenBefore(const GraphListCursor& cursor, std::uint64_t link) {
  if (cursor.checkpoint_distance() > 0 && cursor.checkpoint_link() == link) {
    return true;
  }
  return std::find(cursor.recent_links().begin(), cursor.recent_links().end(),
                   link) != cursor.recent_links().end();
}

// Records a nextLink handed out. Brent: the checkpoint moves to the newest
// link after `checkpoint_distance` links, and that distance doubles, so in
// any cycle the checkpoint eventually sits on it with a distance at least
// the cycle's length, and the cycle comes back to it.
void Remember(GraphListCursor& cursor, std::uint64_t link) {
  cursor.add_recent_links(link);
  if (cursor.recent_links_size() > kRecentLinks) {
    cursor.mutable_recent_links()->erase(
        cursor.mutable_recent_links()->begin());
  }
  if (cursor.checkpoint_distance() == 0) {
    cursor.set_checkpoint_link(link);
    cursor.set_checkpoint_distance(1);
    cursor.set_links_since_checkpoint(0);
    return;
  }
  cursor.set_links_since_checkpoint(cursor.links_since_checkpoint() + 1);
  if (cursor.links_since_checkpoint() >= cursor.checkpoint_distance()) {
    cursor.set_checkpoint_link(link);
    cursor.set_checkpoint_distance(cursor.checkpoint_distance() * 2);
    cursor.set_links_since_checkpoint(0);
  }
}

// The query of Graph's nextLink, or "" for the last page.
absl::StatusOr<std::string> NextQuery(const web::json::value& page) {
  if (!page.has_field("@odata.nextLink") ||
      !page.at("@odata.nextLink").is_string()) {
    return std::string();
  }
  const std::string& link = page.at("@odata.nextLink").as_string();
  const std::size_t question = link.find('?');
  std::string query =
      question == std::string::npos ? "" : link.substr(question + 1);
  if (!IsSafeGraphQuery(query)) {
    return absl::InternalError(
        "Graph's @odata.nextLink has no query to continue from, or one with "
        "characters a URL query cannot hold");
  }
  return query;
}

// The fingerprint a token of `query` carries: empty for the plain listing,
// so that its tokens stay the same as before queries existed.
std::string FingerprintOf(const store::ListQuery& query) {
  if (query.filter.op() == query::FilterOp::kMatchAll &&
      query.order.keys.empty() && query.selection.all()) {
    return "";
  }
  return query::QueryFingerprint(query.filter, query.order, query.selection);
}

// How many of `items`, from `from` on, go into a page of at most
// `page_size` connectors and `max_bytes` (at least one, if any is left).
std::size_t Fitting(const std::vector<NdesConnector>& items, std::size_t from,
                    int page_size, std::size_t max_bytes) {
  store::PageBudget budget(page_size, max_bytes);
  std::size_t taken = 0;
  while (from + taken < items.size() && budget.Fits(items[from + taken])) {
    ++taken;
  }
  return taken;
}

}  // namespace

GraphListing::GraphListing(const GraphPageTokens& tokens, std::string binding)
    : tokens_(tokens), binding_(std::move(binding)) {}

absl::StatusOr<GraphListCursor> GraphListing::Start(
    const store::ListQuery& query) const {
  std::string fingerprint = FingerprintOf(query);
  if (query.page_token.empty()) {
    GraphListCursor cursor;
    cursor.set_query(GraphListQueryString(query));
    cursor.set_query_fingerprint(std::move(fingerprint));
    return cursor;
  }
  absl::StatusOr<GraphListCursor> cursor =
      tokens_.Decode(query.page_token, binding_);
  if (!cursor.ok()) return cursor.status();
  if (cursor->query_fingerprint() != fingerprint) {
    constexpr absl::string_view kProblem =
        "was issued for another filter, order_by or read_mask; send the same "
        "ones as for the first page, or start again with an empty page_token";
    return translation::InvalidArgumentWithViolations(
        absl::StrCat("page_token ", kProblem),
        {{"page_token", std::string(kProblem)}});
  }
  return cursor;
}

std::string GraphListing::TokenOf(const GraphListCursor& cursor) const {
  if (cursor.query().empty() && cursor.buffered().empty()) return "";
  return tokens_.Encode(cursor, binding_);
}

store::ListPage GraphListing::BufferedPage(GraphListCursor cursor,
                                           int page_size,
                                           std::size_t max_bytes) const {
  store::ListPage page;
  store::PageBudget budget(page_size, max_bytes);
  int take = 0;
  while (take < cursor.buffered_size() && budget.Fits(cursor.buffered(take))) {
    ++take;
  }
  for (int i = 0; i < take; ++i) {
    page.connectors.push_back(std::move(*cursor.mutable_buffered(i)));
  }
  cursor.mutable_buffered()->DeleteSubrange(0, take);
  page.next_page_token = TokenOf(cursor);
  return page;
}

absl::StatusOr<store::ListPage> GraphListing::GraphPage(
    GraphListCursor cursor, const store::ListQuery& query,
    std::size_t max_bytes, const std::string& body,
    GraphBehaviour& behaviour) const {
  std::error_code error;
  const web::json::value json = web::json::value::parse(body, error);
  if (error || !json.is_object() || !json.has_field("value") ||
      !json.at("value").is_array()) {
    return absl::InternalError(
        "Graph answered the list with a body that has no \"value\" array");
  }
  std::vector<NdesConnector> items;
  for (const web::json::value& item : json.at("value").as_array()) {
    absl::StatusOr<NdesConnector> connector =
        ReadGraphConnector(item, behaviour);
    if (!connector.ok()) {
      return absl::InternalError(
          absl::StrCat("Graph listed an item that is not an ndesConnector: ",
                       connector.status().message()));
    }
    // Graph may answer more than $select asked for (Intune ignores some
    // options): the answer has the selection's fields, whatever Graph did.
    if (!query.selection.all()) query::Apply(query.selection, &*connector);
    items.push_back(*std::move(connector));
  }
  absl::StatusOr<std::string> next = NextQuery(json);
  if (!next.ok()) return next.status();

  const std::uint64_t next_link = next->empty() ? 0 : LinkHash(*next);
  const bool fetched_again = cursor.skip() > 0 && !next->empty() &&
                             next_link == cursor.query_next_link();
  if (!next->empty() && !fetched_again) {
    if (SeenBefore(cursor, next_link)) {
      return absl::InternalError(
          "Graph handed back an @odata.nextLink it had already given in this "
          "listing; stopped instead of going round in a loop (start again "
          "with an empty page_token)");
    }
    Remember(cursor, next_link);
  }

  const std::size_t skip = std::min<std::size_t>(cursor.skip(), items.size());
  const std::size_t take = Fitting(items, skip, query.page_size, max_bytes);
  store::ListPage page;
  for (std::size_t i = skip; i < skip + take; ++i) {
    page.connectors.push_back(std::move(items[i]));
  }

  // The rest of Graph's page, buffered as far as the bounds allow.
  GraphListCursor following = cursor;
  following.clear_buffered();
  following.clear_skip();
  following.clear_query_next_link();
  std::size_t bytes = 0;
  std::size_t buffered = 0;
  for (std::size_t i = skip + take; i < items.size(); ++i) {
    bytes += items[i].ByteSizeLong();
    if (buffered == kMaxBufferedConnectors || bytes > kMaxBufferedBytes) break;
    *following.add_buffered() = items[i];
    ++buffered;
  }
  if (skip + take + buffered < items.size()) {
    // Too much to buffer: this page is fetched again for the remainder.
    following.set_query(cursor.query());
    following.set_skip(static_cast<std::uint32_t>(skip + take + buffered));
    following.set_query_next_link(next_link);
  } else {
    following.set_query(*next);
  }
  page.next_page_token = TokenOf(following);
  return page;
}

}  // namespace ndes::graph
