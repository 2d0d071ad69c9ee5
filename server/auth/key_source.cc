#include "auth/key_source.h"

#include <sys/stat.h>

#include <utility>

namespace ndes::auth {
namespace {

// A pointer to `key` that keeps the whole snapshot it belongs to alive.
std::shared_ptr<const JsonWebKey> KeyIn(std::shared_ptr<const Jwks> jwks,
                                        absl::string_view kid) {
  const JsonWebKey* key = jwks->Find(kid);
  if (key == nullptr) return nullptr;
  return std::shared_ptr<const JsonWebKey>(std::move(jwks), key);
}

}  // namespace

StaticKeySource::StaticKeySource(Jwks jwks)
    : jwks_(std::make_shared<const Jwks>(std::move(jwks))) {}

std::shared_ptr<const JsonWebKey> StaticKeySource::FindKey(
    absl::string_view kid) {
  return KeyIn(jwks_, kid);
}

bool JwksFileKeySource::FileIdentity::operator==(
    const FileIdentity& other) const {
  return device == other.device && inode == other.inode && size == other.size &&
         mtime_ns == other.mtime_ns;
}

absl::StatusOr<std::unique_ptr<JwksFileKeySource>> JwksFileKeySource::Create(
    JwksFileOptions options) {
  if (!options.clock) options.clock = absl::Now;
  // Identity first: if the file changes between the two, the next look sees
  // a different identity and reads it again.
  std::optional<FileIdentity> identity = IdentityOf(options.path);
  absl::StatusOr<Jwks> jwks = LoadJwksFile(options.path);
  if (!jwks.ok()) return jwks.status();
  return std::unique_ptr<JwksFileKeySource>(new JwksFileKeySource(
      std::move(options), *std::move(jwks), identity.value_or(FileIdentity{})));
}

JwksFileKeySource::JwksFileKeySource(JwksFileOptions options, Jwks jwks,
                                     FileIdentity identity)
    : options_(std::move(options)),
      last_look_(options_.clock()),
      identity_(identity),
      snapshot_(std::make_shared<const Jwks>(std::move(jwks))) {}

std::shared_ptr<const JsonWebKey> JwksFileKeySource::FindKey(
    absl::string_view kid) {
  std::shared_ptr<const JsonWebKey> key = KeyIn(Current(), kid);
  if (key != nullptr) {
    // A known kid: look whether the file changed (a withdrawn key), but
    // never wait for another thread's look to do so.
    if (reload_mu_.TryLock()) {
      MaybeReload(/*force_read=*/false);
      reload_mu_.Unlock();
      return KeyIn(Current(), kid);
    }
    return key;
  }
  {
    absl::MutexLock lock(&reload_mu_);
    MaybeReload(/*force_read=*/true);
  }
  return KeyIn(Current(), kid);
}

std::shared_ptr<const Jwks> JwksFileKeySource::Current() const {
  absl::MutexLock lock(&snapshot_mu_);
  return snapshot_;
}

absl::Status JwksFileKeySource::Reload() {
  absl::MutexLock lock(&reload_mu_);
  last_look_ = options_.clock();
  return ReadFile();
}

absl::Status JwksFileKeySource::last_reload_status() const {
  absl::MutexLock lock(&snapshot_mu_);
  return last_reload_status_;
}

int JwksFileKeySource::file_reads() const {
  absl::MutexLock lock(&snapshot_mu_);
  return file_reads_;
}

void JwksFileKeySource::MaybeReload(bool force_read) {
  const absl::Time now = options_.clock();
  if (now - last_look_ < options_.min_reload_interval) return;
  last_look_ = now;
  if (!force_read && IdentityOf(options_.path) == identity_) return;
  // The outcome is kept in last_reload_status_.
  ReadFile().IgnoreError();
}

absl::Status JwksFileKeySource::ReadFile() {
  std::optional<FileIdentity> identity = IdentityOf(options_.path);
  absl::StatusOr<Jwks> jwks = LoadJwksFile(options_.path);
  absl::MutexLock lock(&snapshot_mu_);
  ++file_reads_;
  last_reload_status_ = jwks.status();
  if (!jwks.ok()) return jwks.status();
  identity_ = identity;
  snapshot_ = std::make_shared<const Jwks>(*std::move(jwks));
  return absl::OkStatus();
}

std::optional<JwksFileKeySource::FileIdentity> JwksFileKeySource::IdentityOf(
    const std::string& path) {
  struct stat st;
  // stat, not lstat: Kubernetes swaps a symlink; the target is what counts.
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  FileIdentity identity;
  identity.device = st.st_dev;
  identity.inode = st.st_ino;
  identity.size = st.st_size;
  identity.mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return identity;
}

}  // namespace ndes::auth
