// The open connections of an HttpServer: counted for max_connections, and
// watched against request_timeout. libmicrohttpd 0.9.75 only knows an idle
// timeout, which every byte restarts; a client trickling one byte at a time
// would hold a connection for ever. A connection that stays in kReceiving
// or kSending for longer than the timeout is shut down (shutdown(2) on its
// socket, which libmicrohttpd then sees as the peer going away).
//
// Thread-safe. The server's thread adds, updates and removes connections;
// the registry's own thread shuts the overdue ones down. A connection's
// socket is shut down only while it is registered, and the server removes
// it before libmicrohttpd closes the descriptor, so a reused descriptor is
// never touched.
#ifndef NDES_SERVER_HTTP_SERVER_INTERNAL_CONNECTION_REGISTRY_H_
#define NDES_SERVER_HTTP_SERVER_INTERNAL_CONNECTION_REGISTRY_H_

#include <memory>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ndes::http_server::internal {

class ConnectionRegistry {
 public:
  enum class Phase {
    kReceiving,  // waiting for, or reading, a request: the clock runs
    kHandling,   // the handler has the request: no clock
    kSending,    // writing the answer: the clock runs
    kShutDown,   // overdue and shut down; closing
  };
  struct Connection {
    int fd = -1;
    Phase phase = Phase::kReceiving;
    absl::Time since;
  };

  // `request_timeout` zero: connections are counted, never shut down.
  explicit ConnectionRegistry(absl::Duration request_timeout);
  // Stops watching; does not touch the connections.
  ~ConnectionRegistry();
  ConnectionRegistry(const ConnectionRegistry&) = delete;
  ConnectionRegistry& operator=(const ConnectionRegistry&) = delete;

  // A new connection on socket `fd`, in kReceiving from now. The pointer
  // stays valid until Remove.
  Connection* Add(int fd);
  void Remove(Connection* connection);
  // Moves `connection` to `phase`; the clock restarts. Nothing for a
  // connection already shut down.
  void Enter(Connection* connection, Phase phase);

  int size() const;

 private:
  void Watch();

  const absl::Duration request_timeout_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<Connection*, std::unique_ptr<Connection>> connections_
      ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

}  // namespace ndes::http_server::internal

#endif  // NDES_SERVER_HTTP_SERVER_INTERNAL_CONNECTION_REGISTRY_H_
