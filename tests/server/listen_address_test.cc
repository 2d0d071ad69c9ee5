#include "listen_address.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes {
namespace {

using ::testing::HasSubstr;

TEST(ListenAddressTest, TellsUnixAddressesAndTheirPaths) {
  EXPECT_TRUE(IsUnixAddress("unix:/run/a.sock"));
  EXPECT_FALSE(IsUnixAddress("127.0.0.1:50051"));
  EXPECT_EQ(UnixSocketPath("unix:/run/a.sock"), "/run/a.sock");
  EXPECT_EQ(UnixSocketPath("unix:///run/a.sock"), "/run/a.sock");
}

TEST(ListenAddressTest, LoopbackIsLocalhostOrALiteralLoopbackAddress) {
  for (const char* host : {"localhost", "127.0.0.1", "127.9.9.9", "::1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"0.0.0.0", "10.0.0.1", "127.example.com", "::", "", "localhost."}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
  EXPECT_EQ(HostOf("[::1]:50051"), "::1");
  EXPECT_EQ(HostOf("127.0.0.1:0"), "127.0.0.1");
}

TEST(ListenAddressTest, DialAddressNamesTheChosenPortOnALocalHost) {
  EXPECT_EQ(DialAddress("127.0.0.1:0", 43123), "127.0.0.1:43123");
  EXPECT_EQ(DialAddress("0.0.0.0:0", 43123), "127.0.0.1:43123");
  EXPECT_EQ(DialAddress("[::]:0", 43123), "[::1]:43123");
  EXPECT_EQ(DialAddress("unix:/run/a.sock", 0), "unix:/run/a.sock");
}

TEST(ListenAddressTest, PrepareSocketPathRefusesWhatIsNotAStaleSocket) {
  const std::string dir = ::testing::TempDir();
  const std::string file = dir + "/listen-address-test.regular";
  std::ofstream(file) << "not a socket";
  EXPECT_THAT(PrepareSocketPath(file).message(), HasSubstr("not a socket"));
  unlink(file.c_str());

  EXPECT_THAT(PrepareSocketPath(std::string(200, 'x')).message(),
              HasSubstr("characters"));
  EXPECT_TRUE(PrepareSocketPath(dir + "/listen-address-test.missing").ok());

  // A socket nobody listens on is stale: removed.
  const std::string stale = dir + "/listen-address-test.sock";
  unlink(stale.c_str());
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, stale.data(), stale.size());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  close(fd);
  EXPECT_TRUE(PrepareSocketPath(stale).ok());
  EXPECT_NE(access(stale.c_str(), F_OK), 0) << "stale socket left behind";
}

}  // namespace
}  // namespace ndes
