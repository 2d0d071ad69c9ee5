// Where the verifier finds signing keys: the KeySource interface, and its
// implementation over a JWKS file that follows the file as it changes.
//
// Kubernetes updates a mounted Secret or ConfigMap by writing a new
// directory and swapping a symlink, so the file behind the path is replaced
// while the gateway runs. JwksFileKeySource picks the new keys up
//   - when a token names a kid it does not know (a rotation: the identity
//     provider signs with a new key), by re-reading the file; and
//   - when the file behind the path changed (a key was withdrawn), noticed by
//     a stat() of the path;
// at most once per `min_reload_interval` either way, so that a flood of
// tokens with made-up kids cannot turn into a storm of file reads. A reload
// that fails (the file is missing or broken for a moment) keeps the keys
// already loaded.
//
//   JwksFileOptions options;
//   options.path = "/etc/ndes/jwks.json";
//   auto keys = JwksFileKeySource::Create(options);
//   if (!keys.ok()) return keys.status();  // names the file
//   JwtVerifier verifier(*std::move(keys), verifier_options);
//
// Thread-safe. Lookups share an immutable snapshot of the key set; no lock
// is held while a caller verifies a signature, and a lookup of a known kid
// never waits for a file read.
#ifndef NDES_SERVER_AUTH_KEY_SOURCE_H_
#define NDES_SERVER_AUTH_KEY_SOURCE_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "auth/jwks.h"

namespace ndes::auth {

class KeySource {
 public:
  virtual ~KeySource() = default;

  // The key with this kid, or null if there is none (after any refresh the
  // source allows itself). The key stays valid as long as the caller holds
  // the pointer, whatever reloads happen meanwhile.
  virtual std::shared_ptr<const JsonWebKey> FindKey(absl::string_view kid) = 0;
};

// A fixed key set (tests, or keys that never change).
class StaticKeySource final : public KeySource {
 public:
  explicit StaticKeySource(Jwks jwks);
  std::shared_ptr<const JsonWebKey> FindKey(absl::string_view kid) override;

 private:
  const std::shared_ptr<const Jwks> jwks_;
};

struct JwksFileOptions {
  std::string path;
  // Least time between two looks at the file.
  absl::Duration min_reload_interval = absl::Seconds(10);
  // Decides when the next look is allowed (tests replace it).
  std::function<absl::Time()> clock = absl::Now;
};

class JwksFileKeySource final : public KeySource {
 public:
  // Loads the file once. Errors as LoadJwksFile: FAILED_PRECONDITION if it
  // cannot be read, INVALID_ARGUMENT if it holds no usable key; both name
  // the file.
  static absl::StatusOr<std::unique_ptr<JwksFileKeySource>> Create(
      JwksFileOptions options);

  std::shared_ptr<const JsonWebKey> FindKey(absl::string_view kid) override;

  // The key set in use now.
  std::shared_ptr<const Jwks> Current() const;

  // Reads the file now, ignoring the rate limit (for a SIGHUP, say). On
  // failure the keys in use stay, and the error is returned.
  absl::Status Reload();

  // The outcome of the last read of the file (OK after a good one); for
  // logging a Secret that was replaced by something unusable.
  absl::Status last_reload_status() const;

  // Times the file was read, including the first (for tests and metrics).
  int file_reads() const;

 private:
  // What identifies the file behind the path: a swapped symlink or a
  // rewritten file changes it.
  struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileIdentity& other) const;
  };

  JwksFileKeySource(JwksFileOptions options, Jwks jwks, FileIdentity identity);

  // Looks at the file if min_reload_interval has passed since the last look:
  // reads it if `force_read` or if its identity changed.
  void MaybeReload(bool force_read) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  absl::Status ReadFile() ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  static std::optional<FileIdentity> IdentityOf(const std::string& path);

  const JwksFileOptions options_;

  // Serialises looks at the file. Never held by a lookup that found its key
  // (it only tries it), so file I/O does not stall verification.
  mutable absl::Mutex reload_mu_;
  absl::Time last_look_ ABSL_GUARDED_BY(reload_mu_);
  std::optional<FileIdentity> identity_ ABSL_GUARDED_BY(reload_mu_);

  // Guards only the swap and copy of the snapshot pointer.
  mutable absl::Mutex snapshot_mu_;
  std::shared_ptr<const Jwks> snapshot_ ABSL_GUARDED_BY(snapshot_mu_);
  absl::Status last_reload_status_ ABSL_GUARDED_BY(snapshot_mu_);
  int file_reads_ ABSL_GUARDED_BY(snapshot_mu_) = 1;
};

}  // namespace ndes::auth

#endif  // NDES_SERVER_AUTH_KEY_SOURCE_H_
