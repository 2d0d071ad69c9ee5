#include "store/query_page_reader.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "query/filter_evaluator.h"
#include "query/order_by.h"
#include "query/selection.h"
#include "store/page_budget.h"

namespace ndes::store {
namespace {

using ndes::v1::NdesConnector;

// Rows per read when a page may need many of them (a filter, an order other
// than id).
constexpr int kScanChunk = 500;

// Reads rows in id order from after `after_id`, `chunk` at a time, handing
// each to `visit` until it returns false or the rows end.
absl::Status ScanRows(ConnectorRows rows, std::string after_id, int chunk,
                      absl::FunctionRef<bool(NdesConnector&)> visit) {
  for (;;) {
    absl::StatusOr<std::vector<NdesConnector>> batch = rows(after_id, chunk);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return absl::OkStatus();
    std::string last_id = batch->back().id();
    for (NdesConnector& row : *batch) {
      if (!visit(row)) return absl::OkStatus();
    }
    if (static_cast<int>(batch->size()) < chunk) return absl::OkStatus();
    after_id = std::move(last_id);
  }
}

// What one scan found: the page (before selection), and whether more
// follow.
struct Found {
  std::vector<NdesConnector> page;
  bool more = false;
};

// Id order: rows come sorted, so the page is the first matches after the
// position (and the offset).
absl::StatusOr<Found> FindInIdOrder(const ListQuery& query,
                                    const ListPosition& position,
                                    std::int64_t offset, ConnectorRows rows) {
  const std::string after_id =
      position.after.has_value() ? position.after->id() : "";
  // Unfiltered, every row read is answered: read just one more than needed.
  const int chunk =
      query.filter.op() == query::FilterOp::kMatchAll
          ? static_cast<int>(std::min<std::int64_t>(
                offset + query.page_size + 1, std::numeric_limits<int>::max()))
          : kScanChunk;
  Found found;
  absl::Status scanned =
      ScanRows(rows, after_id, chunk, [&](NdesConnector& row) {
        if (!query::Matches(query.filter, row)) return true;
        if (offset > 0) {
          --offset;
          return true;
        }
        if (static_cast<int>(found.page.size()) == query.page_size) {
          found.more = true;
          return false;
        }
        found.page.push_back(std::move(row));
        return true;
      });
  if (!scanned.ok()) return scanned;
  return found;
}

// Any other order: every row is read; a bounded heap keeps the first
// offset + page_size + 1 matches after the position.
absl::StatusOr<Found> FindInQueryOrder(const ListQuery& query,
                                       const ListPosition& position,
                                       std::int64_t offset,
                                       ConnectorRows rows) {
  const query::ConnectorOrder before(query.order);
  const std::size_t keep = static_cast<std::size_t>(offset) +
                           static_cast<std::size_t>(query.page_size) + 1;
  std::vector<NdesConnector> heap;  // a max-heap: the last kept on top
  absl::Status scanned =
      ScanRows(rows, "", kScanChunk, [&](NdesConnector& row) {
        if (!query::Matches(query.filter, row)) return true;
        if (position.after.has_value() && !before(*position.after, row)) {
          return true;
        }
        if (heap.size() == keep) {
          if (!before(row, heap.front())) return true;
          std::pop_heap(heap.begin(), heap.end(), before);
          heap.pop_back();
        }
        heap.push_back(std::move(row));
        std::push_heap(heap.begin(), heap.end(), before);
        return true;
      });
  if (!scanned.ok()) return scanned;
  std::sort_heap(heap.begin(), heap.end(), before);
  const std::size_t begin =
      std::min(heap.size(), static_cast<std::size_t>(offset));
  const std::size_t end =
      std::min(heap.size(), begin + static_cast<std::size_t>(query.page_size));
  Found found;
  found.more = heap.size() > end;
  found.page.assign(std::make_move_iterator(heap.begin() + begin),
                    std::make_move_iterator(heap.begin() + end));
  return found;
}

}  // namespace

absl::StatusOr<ListPage> ReadQueryPage(absl::string_view store_tag,
                                       const ListQuery& query,
                                       const ListPosition& position,
                                       std::size_t max_page_bytes,
                                       ConnectorRows rows) {
  absl::StatusOr<Found> found =
      query.order.keys.empty()
          ? FindInIdOrder(query, position, position.offset, rows)
          : FindInQueryOrder(query, position, position.offset, rows);
  if (!found.ok()) return found.status();
  // The answered connectors (selected) must fit the page's bytes; the
  // found ones keep their order keys for the next page's token.
  const bool select = !query.selection.all();
  std::vector<NdesConnector> selected;
  PageBudget budget(query.page_size, max_page_bytes);
  std::size_t kept = 0;
  for (; kept < found->page.size(); ++kept) {
    const NdesConnector* answer = &found->page[kept];
    NdesConnector reduced;
    if (select) {
      reduced = *answer;
      query::Apply(query.selection, &reduced);
      answer = &reduced;
    }
    if (!budget.Fits(*answer)) {
      found->more = true;
      break;
    }
    if (select) selected.push_back(std::move(reduced));
  }
  found->page.resize(kept);
  ListPage page;
  if (found->more && !found->page.empty()) {
    ListPosition next;
    NdesConnector keyset = KeysetOf(query.order, found->page.back());
    if (keyset.ByteSizeLong() <= kMaxKeysetBytes) {
      next.after = std::move(keyset);
    } else {
      // Too long to carry: count from the position this page started at.
      next.after = position.after;
      next.offset =
          position.offset + static_cast<std::int64_t>(found->page.size());
    }
    page.next_page_token = EncodePageToken(store_tag, query, next);
  }
  page.connectors = select ? std::move(selected) : std::move(found->page);
  return page;
}

}  // namespace ndes::store
