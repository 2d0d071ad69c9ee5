// HttpServer over TLS and mutual TLS, with a throw-away CA, against an
// OpenSSL client (another TLS library than the server's GnuTLS).
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_server/http_server.h"
#include "http_server/http_server_test_support.h"
#include "openssl/err.h"
#include "openssl/pem.h"
#include "openssl/ssl.h"
#include "support/raw_http_connection.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

namespace ndes::http_server {
namespace {

using ::ndes::testing::CertificateAndKey;
using ::ndes::testing::RawHttpConnection;
using ::ndes::testing::TestCertificateAuthority;
using ::ndes::testing::WriteTextFile;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct TlsResult {
  bool connected = false;  // the client finished its side of the handshake
  std::string received;    // whatever the server sent, decrypted
  std::string error;       // OpenSSL's reason when something failed
};

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

// GET / over TLS to 127.0.0.1:`port`, the server verified against `ca_pem`
// as "localhost"; `client` presents a certificate when not null.
TlsResult TlsGet(int port, const std::string& ca_pem,
                 const CertificateAndKey* client) {
  // OpenSSL writes with write(2): a server that refused the handshake
  // would kill this thread with SIGPIPE instead of failing the write.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  TlsResult result;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(
      SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(context.get()), ca);
  X509_free(ca);
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
  if (client != nullptr) {
    bio = BIO_new_mem_buf(client->cert_pem.data(),
                          static_cast<int>(client->cert_pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    bio = BIO_new_mem_buf(client->key_pem.data(),
                          static_cast<int>(client->key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    SSL_CTX_use_certificate(context.get(), cert);
    SSL_CTX_use_PrivateKey(context.get(), key);
    X509_free(cert);
    EVP_PKEY_free(key);
  }

  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(port);
  if (!connection.ok()) {
    result.error = std::string(connection.status().message());
    return result;
  }
  timeval timeout{10, 0};
  setsockopt(connection->fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
             sizeof(timeout));
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()),
                                                &SSL_free);
  SSL_set_fd(ssl.get(), connection->fd());
  SSL_set_tlsext_host_name(ssl.get(), "localhost");
  SSL_set1_host(ssl.get(), "localhost");
  if (SSL_connect(ssl.get()) != 1) {
    result.error = OpenSslError();
    return result;
  }
  result.connected = true;
  const std::string request =
      "GET /over-tls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <=
      0) {
    result.error = OpenSslError();
    return result;
  }
  char buffer[4096];
  int got = 0;
  while ((got = SSL_read(ssl.get(), buffer, sizeof(buffer))) > 0) {
    result.received.append(buffer, static_cast<std::size_t>(got));
  }
  if (SSL_get_error(ssl.get(), got) != SSL_ERROR_ZERO_RETURN &&
      result.received.empty()) {
    result.error = OpenSslError();
  }
  return result;
}

class HttpServerTlsTest : public ::testing::Test {
 protected:
  HttpServerTlsTest() : ca_("test CA"), other_ca_("other CA") {
    const CertificateAndKey server =
        ca_.Issue("localhost", {"localhost"}, {"127.0.0.1"});
    WriteTextFile(dir_.Path("server.pem"), server.cert_pem);
    WriteTextFile(dir_.Path("server.key"), server.key_pem);
    WriteTextFile(dir_.Path("ca.pem"), ca_.cert_pem());
  }

  std::unique_ptr<HttpServer> Start(bool mutual) {
    HttpServerOptions options;
    options.tls.cert_file = dir_.Path("server.pem");
    options.tls.key_file = dir_.Path("server.key");
    if (mutual) options.tls.client_ca_file = dir_.Path("ca.pem");
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
        options, [](HttpServerRequest request, HttpResponder responder) {
          std::move(responder).Answer(HttpServerResponse::Text(
              200, absl::StrCat(request.path, " tls=", request.tls)));
        });
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  ndes::testing::TempDir dir_;
  TestCertificateAuthority ca_;
  TestCertificateAuthority other_ca_;
};

TEST_F(HttpServerTlsTest, ServesOverTls) {
  std::unique_ptr<HttpServer> server = Start(/*mutual=*/false);
  ASSERT_NE(server, nullptr);
  const TlsResult result = TlsGet(server->port(), ca_.cert_pem(), nullptr);
  ASSERT_TRUE(result.connected) << result.error;
  EXPECT_THAT(result.received, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(result.received, HasSubstr("/over-tls tls=1"));

  // Plain HTTP on the TLS port never reaches the handler.
  absl::StatusOr<RawHttpConnection> plain =
      RawHttpConnection::Connect(server->port());
  ASSERT_TRUE(plain.ok());
  plain->Send(testing::GetRequest("/plain"));
  absl::StatusOr<::ndes::testing::RawHttpResponse> response =
      plain->ReadResponse(absl::Seconds(5));
  EXPECT_FALSE(response.ok());
}

TEST_F(HttpServerTlsTest, MutualTlsServesAClientWithACertificateFromTheCa) {
  std::unique_ptr<HttpServer> server = Start(/*mutual=*/true);
  ASSERT_NE(server, nullptr);
  const CertificateAndKey client = ca_.Issue("client");
  const TlsResult result = TlsGet(server->port(), ca_.cert_pem(), &client);
  ASSERT_TRUE(result.connected) << result.error;
  EXPECT_THAT(result.received, StartsWith("HTTP/1.1 200"));
}

TEST_F(HttpServerTlsTest, MutualTlsRefusesAClientWithoutACertificate) {
  std::unique_ptr<HttpServer> server = Start(/*mutual=*/true);
  ASSERT_NE(server, nullptr);
  const TlsResult result = TlsGet(server->port(), ca_.cert_pem(), nullptr);
  // TLS 1.3: the client's side of the handshake may finish before the
  // server refuses; either way no HTTP answer comes.
  EXPECT_THAT(result.received, Not(HasSubstr("HTTP/1.1")));
  EXPECT_FALSE(result.error.empty());
}

TEST_F(HttpServerTlsTest, MutualTlsRefusesACertificateFromAnotherCa) {
  std::unique_ptr<HttpServer> server = Start(/*mutual=*/true);
  ASSERT_NE(server, nullptr);
  const CertificateAndKey stranger = other_ca_.Issue("stranger");
  const TlsResult result = TlsGet(server->port(), ca_.cert_pem(), &stranger);
  EXPECT_THAT(result.received, Not(HasSubstr("HTTP/1.1")));
  EXPECT_FALSE(result.error.empty());
}

}  // namespace
}  // namespace ndes::http_server
