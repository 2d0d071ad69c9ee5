// The room left in one List page. Connectors go into a page while both its
// count and the bytes they take in the answer stay within the page's
// limits; the first connector always goes in, so that every page makes
// progress (one too large for any answer is then refused by the service,
// which checks every answer's size). A store that stops a page early gives
// the token of the next page as for a full one.
//
//   PageBudget budget(page_size, context.max_page_bytes);
//   for (...) {
//     if (!budget.Fits(connector)) { /* next_page_token after the last */ }
//     page.connectors.push_back(connector);
//   }
//
// Header-only, for every store (the Graph backend included). Not
// thread-safe (one page at a time).
#ifndef NDES_SERVER_STORE_PAGE_BUDGET_H_
#define NDES_SERVER_STORE_PAGE_BUDGET_H_

#include <cstddef>

#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::store {

class PageBudget {
 public:
  PageBudget(int max_connectors, std::size_t max_bytes)
      : connectors_left_(max_connectors), max_bytes_(max_bytes) {}

  // Counts `connector` and returns true when it fits in what is left;
  // false (counting nothing) when the page is full.
  bool Fits(const ndes::v1::NdesConnector& connector) {
    if (connectors_left_ <= 0) return false;
    // A repeated message field costs its tag (one byte) and a length prefix
    // (at most five) besides the message.
    const std::size_t bytes = connector.ByteSizeLong() + 6;
    if (!empty_ && bytes_ + bytes > max_bytes_) return false;
    --connectors_left_;
    bytes_ += bytes;
    empty_ = false;
    return true;
  }

  // Whether the page holds as many connectors as it may (no connector fits
  // any more, whatever its size).
  bool full() const { return connectors_left_ <= 0; }

 private:
  int connectors_left_;
  const std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  bool empty_ = true;
};

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_PAGE_BUDGET_H_
