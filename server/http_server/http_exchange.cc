#include "http_server/http_exchange.h"

#include <utility>

#include "absl/strings/match.h"
#include "http_server/internal/exchange.h"

namespace ndes::http_server {

std::optional<std::string> HttpServerRequest::Header(
    absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> HttpServerRequest::QueryParameter(
    absl::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

HttpServerResponse HttpServerResponse::Text(int status, std::string body) {
  HttpServerResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.body = std::move(body);
  return response;
}

HttpResponder::HttpResponder(std::shared_ptr<internal::Exchange> exchange)
    : exchange_(std::move(exchange)) {}

HttpResponder::HttpResponder(HttpResponder&&) noexcept = default;

HttpResponder& HttpResponder::operator=(HttpResponder&& other) noexcept {
  if (this != &other) {
    HttpResponder replaced(std::move(*this));  // answers 500 if unanswered
    exchange_ = std::move(other.exchange_);
  }
  return *this;
}

HttpResponder::~HttpResponder() {
  if (exchange_ == nullptr) return;
  exchange_->Answer(HttpServerResponse::Text(
      500, "internal error: the request was dropped unanswered\n"));
}

void HttpResponder::Answer(HttpServerResponse response) && {
  if (exchange_ == nullptr) return;
  std::shared_ptr<internal::Exchange> exchange = std::move(exchange_);
  exchange->Answer(std::move(response));
}

}  // namespace ndes::http_server
